"""Re-execute notebooks offline and store their outputs, so nbval has fresh references.

Usage: ``python scripts/run_notebooks.py [notebooks/NN_name.ipynb ...]`` (default: all, in order).
Prints each notebook's run time. ``make notebooks`` runs it with the offline settings.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def run(path: Path, store: bool = True) -> float:
    """Execute ``path`` (cwd = its folder), store its outputs in place unless ``store`` is False,
    and return the seconds it took; a cell error raises ``CellExecutionError``."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    seconds = time.perf_counter() - start
    if store:
        for cell in nb.cells:  # keep diffs small: no per-run timestamps
            cell.metadata.pop("execution", None)
        nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    """Run the notebooks named in ``argv`` (or all of them) and print their run times."""
    os.environ.setdefault("RAG_COURSE_MODE", "offline")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        print(f"{path.name}: {run(path.resolve()):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
