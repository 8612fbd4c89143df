"""Every notebook: badge to its own path, canonical set-up cell and slide tags (all kept by
`python scripts/sync_notebooks.py`), clean stored outputs."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from helpers.settings import repo_root

ROOT = repo_root()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SECRET = re.compile(r"AIza[0-9A-Za-z_\-]{30,}")
ABSOLUTE_PATH = re.compile(r"(/root/|/home/[a-z]|/tmp/|/work/|/Users/|C:\\\\Users)")
# A timing ("1.2 s", "35 ms"), or a progress bar ("12/80 [00:01<00:05, 9.1it/s]", "40%|####").
TIMING = re.compile(r"\b\d+(\.\d+)?\s?(ms|µs|s|sec|seconds|it/s|s/it)\b|\d%\|")
WARNING = re.compile(r"\b[A-Z]\w*Warning\b")


def text_of(output) -> str:
    """Return the text an output shows (stream text, or a result's text/plain)."""
    if output["output_type"] == "stream":
        return "".join(output["text"])
    return "".join(output.get("data", {}).get("text/plain", ""))


def ignores_output(cell) -> bool:
    """Return whether nbval ignores this cell's output (a line exactly `# NBVAL_IGNORE_OUTPUT`)."""
    return "# NBVAL_IGNORE_OUTPUT" in "".join(cell["source"]).splitlines()


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1


def test_badges_set_up_cells_and_slide_tags_are_in_sync():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_notebooks.py"), "--check"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, "run: python scripts/sync_notebooks.py\n" + result.stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_clean(path):
    text = path.read_text(encoding="utf-8")
    without_images = re.sub(r'"image/(png|jpeg)": "[^"]*"', '""', text)  # base64 can match anything
    assert not SECRET.search(without_images), "something that looks like a Google API key"
    assert "langchain_community" not in text, "langchain-community is sunset"
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    assert any(c["outputs"] for c in code), "no outputs stored: run scripts/run_notebooks.py"
    counts = [c["execution_count"] for c in code if c["execution_count"] is not None]
    assert counts == sorted(counts), "cells were run out of order"
    for cell in code:
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"a stored error: {out.get('ename')}"
            dumped = json.dumps(out)
            assert not ABSOLUTE_PATH.search(dumped), f"an absolute path: {dumped[:200]}"
            assert "DeprecationWarning" not in dumped, "a deprecation warning in the outputs"
            text = text_of(out)
            if out.get("name") == "stderr":
                assert not WARNING.search(text), f"a warning in the outputs: {text[:200]}"
            if not ignores_output(cell):
                timing = TIMING.search(text)
                assert not timing, (
                    f"a timing or progress bar ({timing.group(0)!r}) in a cell without a line "
                    "'# NBVAL_IGNORE_OUTPUT'"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_figures_use_the_projector_fonts(path):
    code = "\n".join("".join(c["source"]) for c in cells(path) if c["cell_type"] == "code")
    if "matplotlib" in code:
        assert "setup_fonts()" in code, "call helpers.views.plots.setup_fonts() (sizes, Hangul)"


# A lesson a lecturer can teach in one sitting (issue 25): about 40 cells and 1,800 words of
# prose, outputs readable on a projector.
MAX_CELLS, MAX_WORDS, MAX_OUTPUT_LINE = 45, 1800, 100


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_lesson_fits_one_sitting(path):
    nb = cells(path)
    # Prose only: the title cell's badge line (Colab, English / 한국어) is navigation.
    words = sum(
        len(line.split())
        for c in nb if c["cell_type"] == "markdown"
        for line in "".join(c["source"]).splitlines() if "colab-badge" not in line
    )
    assert len(nb) <= MAX_CELLS, f"{len(nb)} cells: split the lesson"
    assert words <= MAX_WORDS, f"{words} words of prose: split the lesson"
    long = [line for c in nb if c["cell_type"] == "code" for o in c.get("outputs", [])
            for line in text_of(o).splitlines() if len(line) > MAX_OUTPUT_LINE]
    assert not long, f"output lines over {MAX_OUTPUT_LINE} characters: {long[:2]}"
