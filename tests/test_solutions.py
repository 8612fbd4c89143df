"""The exercises' solutions, executed: they sit at the end of each notebook, folded away.

A learner must choose to look: each notebook ends with a ``## Solutions`` markdown cell holding one
``<details>`` block per exercise, each with one fenced python block. nbval never runs those (they
are markdown), so this test does: the k-th solution block replaces the k-th code cell that holds
``# your answer``, the notebook runs offline from the top, and every cell that calls a ``check_``
must print ✅ and neither ❌ nor ✏️ (a check that cannot tell a solution from a blank would fail
here or in ``tests/test_checks.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ANSWER = "# your answer"
DETAILS = re.compile(r"<details>(.*?)</details>", re.S)
PYTHON = re.compile(r"```python\n(.*?)```", re.S)
CHECK_CALL = re.compile(r"^\s*check_\w+\(", re.M)


def solutions(nb: nbformat.NotebookNode) -> list[str]:
    """Return the python blocks inside ``<details>`` of the notebook's ``## Solutions`` section."""
    blocks: list[str] = []
    inside = False
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        inside = inside or cell.source.lstrip().startswith("## Solutions")
        if inside:
            for detail in DETAILS.findall(cell.source):
                found = PYTHON.findall(detail)
                assert len(found) == 1, f"each <details> holds one python block, found {len(found)}"
                blocks.append(found[0])
    return blocks


def answer_cells(nb: nbformat.NotebookNode) -> list[int]:
    """Return the positions of the exercise cells the learner fills in."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and ANSWER in c.source]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_exercise_has_one_folded_solution(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    cells = answer_cells(nb)
    assert cells, f"{path.name} has no exercise (a code cell with '{ANSWER}')"
    assert len(solutions(nb)) == len(cells), f"{path.name}: one solution per exercise cell"
    heads = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown" and "## Solutions" in c.source
    ]
    assert len(heads) == 1 and heads[0] > max(cells), "one ## Solutions cell, after the exercises"


@pytest.mark.caches  # runs the notebooks, which build and read every cache
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_solutions_pass_their_checks(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbclient import NotebookClient

    monkeypatch.setenv("RAG_COURSE_MODE", "offline")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    nb = nbformat.read(path, as_version=4)
    for index, code in zip(answer_cells(nb), solutions(nb), strict=True):
        nb.cells[index].source = code
    checks = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and CHECK_CALL.search(c.source)
    ]
    last = max(checks)
    nb.cells = nb.cells[: last + 1]  # the recap and the solutions need not run
    NotebookClient(
        nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    checked = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not CHECK_CALL.search(cell.source):
            continue
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "✅" in text and "❌" not in text and "✏️" not in text, f"cell {i}: {text.strip()}"
        checked += 1
    assert checked >= len(answer_cells(nbformat.read(path, as_version=4)))
