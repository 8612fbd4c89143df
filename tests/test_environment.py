"""One package list: environment.yml and requirements-colab.txt agree with requirements.txt."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

import yaml
from packaging.specifiers import SpecifierSet

from helpers.settings import repo_root

ROOT = repo_root()


def pins(path) -> dict[str, str]:
    """Return {package: version} for the `name==version` lines of a requirements file."""
    out = {}
    for line in (ROOT / path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{path}: '{line}' is not pinned with =="
            out[name.lower()] = version
    return out


def test_environment_yml_installs_requirements_txt():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-r requirements.txt" in pip_section and "-e ." in pip_section
    others = [d for d in pip_section if not d.startswith(("-r", "-e", "--extra-index-url"))]
    assert others == [f"notebook=={environment_pins()['notebook']}"]  # Binder's, see below
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python="))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=" + python.split("=")[1]


def environment_pins() -> dict[str, str]:
    """Return {package: version} of the `name==version` lines of environment.yml's pip part."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return {
        name.lower(): version
        for name, _, version in (d.partition("==") for d in pip_section)
        if version
    }


# --- Binder: its base environment already holds `notebook`, which bounds jupyterlab ------------
# What each notebook release requires (Requires-Dist of its wheel, read on 2026-11-25 with
# `pip download --no-deps notebook==X` and `unzip -p notebook-X-*.whl '*/METADATA'`). Binder's
# base environment ships notebook 7.4.7 (issue 14); pip installs environment.yml's pip part into
# it, so without a notebook pin of its own the jupyterlab pin conflicts with 7.4.7.
BINDER_BASE_NOTEBOOK = "7.4.7"
NOTEBOOK_REQUIRES = {
    "7.4.7": {"jupyterlab": ">=4.4.9,<4.5", "jupyter-server": ">=2.4.0,<3",
              "jupyterlab-server": ">=2.27.1,<3", "notebook-shim": ">=0.2,<0.3",
              "tornado": ">=6.2.0"},
    "7.5.8": {"jupyterlab": ">=4.5.11,<4.6", "jupyter-server": ">=2.4.0,<3",
              "jupyterlab-server": ">=2.28.0,<3", "notebook-shim": ">=0.2,<0.3",
              "tornado": ">=6.2.0"},
    "7.6.5": {"jupyterlab": ">=4.6.6,<4.7", "jupyter-server": ">=2.19.0,<3",
              "jupyterlab-server": ">=2.28.0,<3", "jupyter-builder": ">=1.0.2,<2",
              "notebook-shim": ">=0.2,<0.3", "tornado": ">=6.2.0"},
}


def test_binder_base_notebook_would_conflict_without_a_pin():
    """The reason for the pin: Binder's own notebook does not accept our jupyterlab."""
    jupyterlab = pins("requirements.txt")["jupyterlab"]
    base = SpecifierSet(NOTEBOOK_REQUIRES[BINDER_BASE_NOTEBOOK]["jupyterlab"])
    assert jupyterlab not in base  # if this fails, the notebook pin may be dropped


def test_binder_notebook_pin_accepts_the_jupyterlab_pin():
    notebook = environment_pins().get("notebook")
    assert notebook, "environment.yml pins no notebook: Binder's 7.4.7 conflicts with jupyterlab"
    assert notebook in NOTEBOOK_REQUIRES, f"record notebook {notebook}'s requirements here"
    jupyterlab = pins("requirements.txt")["jupyterlab"]
    wanted = NOTEBOOK_REQUIRES[notebook]["jupyterlab"]
    assert jupyterlab in SpecifierSet(wanted), (
        f"notebook {notebook} requires jupyterlab{wanted}, requirements.txt pins {jupyterlab}: "
        "pin the notebook release made for that jupyterlab in environment.yml"
    )


def test_binder_notebook_pin_accepts_what_requirements_txt_installs():
    """notebook's other requirements hold for the packages the course's install brought in."""
    notebook = environment_pins()["notebook"]
    for name, wanted in NOTEBOOK_REQUIRES[notebook].items():
        installed = version(name)  # installed here from requirements.txt (jupyterlab's deps)
        assert installed in SpecifierSet(wanted), f"notebook {notebook}: {name}{wanted}"


def test_every_requirement_is_pinned():
    assert "torch" in pins("requirements.txt")


# Packages of requirements.txt that requirements-colab.txt leaves out, and why. Colab's image
# ships the first group (reinstalling torch there would take minutes and can break CUDA); the
# second is for contributors and CI, not for learners.
COLAB_SHIPS = {"torch", "accelerate", "matplotlib", "jupyterlab", "ipywidgets"}
NOT_FOR_LEARNERS = {"fpdf2", "nbval", "pytest", "ruff", "playwright"}


# Pins only Colab needs (the reasons are in requirements-colab.txt; scripts/colab_like.sh checks
# that pip then reports no conflict): dependencies held back to what Colab's own packages accept,
# and transformers moved past Colab's 5.15 (whose GGUF conversion breaks Gemma's tokenizer).
COLAB_ONLY = {"opentelemetry-exporter-otlp-proto-grpc", "kubernetes", "transformers"}


def test_every_requirement_is_decided_for_colab():
    full, colab = set(pins("requirements.txt")), set(pins("requirements-colab.txt"))
    undecided = full - colab - COLAB_SHIPS - NOT_FOR_LEARNERS
    assert not undecided, f"add to requirements-colab.txt (or say why not here): {undecided}"
    assert not colab & (COLAB_SHIPS | NOT_FOR_LEARNERS)


def test_colab_requirements_are_a_subset_without_torch():
    full, colab = pins("requirements.txt"), pins("requirements-colab.txt")
    assert set(colab) - COLAB_ONLY <= set(full)
    assert not COLAB_ONLY & set(full)
    assert {name: full[name] for name in set(colab) - COLAB_ONLY} == {
        name: version for name, version in colab.items() if name not in COLAB_ONLY
    }
    assert not {"torch", "jupyterlab", "matplotlib"} & set(colab)


def test_colab_only_pins_match_colabs_own_packages():
    """The OpenTelemetry exporter is pinned to the OpenTelemetry release Colab ships."""
    colab_ships = pins("data/colab-packages.txt")
    exporter = pins("requirements-colab.txt")["opentelemetry-exporter-otlp-proto-grpc"]
    assert exporter == colab_ships["opentelemetry-api"] == colab_ships["opentelemetry-sdk"]


# --- Colab's published package list (data/colab-packages.txt, issue 27) -------------------------
COLAB_SOURCE = ("googlecolab/backend-info", "pip-freeze.txt",
                "a72407924822ea377410b69f0a290150bcb5c9c2", "2026-08-19")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def colab_ships() -> dict[str, str]:
    """Return {canonical name: version} of data/colab-packages.txt's installed lines."""
    return {canonical(name): version for name, version in pins("data/colab-packages.txt").items()}


def test_colab_packages_name_their_source_and_hold_colabs_whole_list():
    text = (ROOT / "data/colab-packages.txt").read_text(encoding="utf-8")
    for part in COLAB_SOURCE:
        assert part in text, f"data/colab-packages.txt does not name {part}"
    ships = colab_ships()
    assert len(ships) > 600, "data/colab-packages.txt should be Colab's whole pip freeze"
    # The lines behind issue 27's red pip ERROR, and the other bounds the set-up cell must keep.
    for name, expected in {"pillow": "11.3.0", "gradio": "6.24.0", "google-adk": "2.7.1",
                          "google-genai": "2.12.1", "google-auth": "2.49.0",
                          "tweepy": "4.17.0", "oauthlib": "3.3.1"}.items():
        assert ships.get(name) == expected, f"Colab's {name}=={expected} is not in the file"
    # scripts/colab_like.sh builds its torch stand-in from this comment line.
    assert re.search(r"^# torch @ \S*/torch-2\.11\.0%2Bcpu-cp313-", text, re.M)
    assert re.search(r"^# google-colab @ ", text, re.M)
    assert not {"torch", "google-colab"} & set(ships)  # stand-ins, built by the script


# What the pins of requirements-colab.txt require of packages Colab already ships (Requires-Dist
# of their wheels, read on 2026-12-07 with `pip download --no-deps NAME==VERSION` and
# `unzip -p NAME-VERSION-*.whl '*/METADATA'`). Each requirement must accept the version Colab
# ships, so that pip leaves Colab's package alone (the bounds below are why that matters).
PIN_REQUIRES = {
    # 0.11.10 needs Pillow>=12.2.0 and 0.11.11 Pillow>=13: pip upgraded Colab's 11.3.0 to 13.
    ("pdfplumber", "0.11.9"): {"pillow": ">=9.1", "pypdfium2": ">=4.18.0"},
    # 4.4.x need google-genai>=2.20.0, whose every release needs google-auth>=2.56.0.
    ("langchain-google-genai", "4.3.7"): {"google-genai": ">=1.65.0,<3.0.0",
                                          "langchain-core": ">=1.6.1,<2.0.0",
                                          "pydantic": ">=2.0.0,<3.0.0"},
    # 37.x need oauthlib>=4.0.0 and urllib3>=2.8.0.
    ("kubernetes", "36.0.3"): {"certifi": ">=14.05.14", "six": ">=1.9.0",
                               "python-dateutil": ">=2.5.3", "pyyaml": ">=6.0.3",
                               "urllib3": "!=2.6.0,>=1.24.2", "aiohttp": ">=3.13.5,<4.0.0",
                               "requests-oauthlib": "", "requests": ""},
}
# Colab's own packages' bounds on those packages (their Requires-Dist, read the same way;
# google-colab: the stand-in of scripts/colab_like.sh, which pins Colab's versions).
COLAB_BOUNDS = {
    "pillow": ("gradio 6.24.0", "<13.0,>=8.0"),
    "google-genai": ("google-adk 2.7.1", ">=2.12.1,<3"),
    "google-auth": ("google-colab 1.0.0", "==2.49.0"),
    "oauthlib": ("tweepy 4.17.0", ">=3.2.0,<4"),
}


def test_colab_pins_keep_colabs_own_packages():
    colab = pins("requirements-colab.txt")
    ships = colab_ships()
    for (name, pinned), requires in PIN_REQUIRES.items():
        assert colab.get(name) == pinned, (
            f"requirements-colab.txt pins {name}=={colab.get(name)}: record its Requires-Dist "
            "here and check it against Colab's packages (scripts/colab_like.sh)")
        for dependency, spec in requires.items():
            if dependency in ships and dependency not in colab:  # ours replace Colab's, on purpose
                assert ships[dependency] in SpecifierSet(spec), (
                    f"{name} {pinned} requires {dependency}{spec}: pip would replace Colab's "
                    f"{dependency} {ships[dependency]}")


def test_colabs_bounds_hold_for_colabs_versions():
    ships = colab_ships()
    for dependency, (owner, spec) in COLAB_BOUNDS.items():
        assert ships[dependency] in SpecifierSet(spec), f"{owner}: {dependency}{spec}"
