"""Keep every notebook's Colab badge, set-up cell and slide tags consistent.

Usage: ``python scripts/sync_notebooks.py`` rewrites the notebooks; ``--check`` only reports
what would change (exit 1), which the tests use. It never touches outputs, so nbval stays green.

* the Colab badge in the first cell points at the notebook's own path in the repository named
  in ``pyproject.toml`` (``[tool.rag-course] repository``);
* the first code cell is the canonical set-up cell of ``scripts/colab_setup.py``;
* slide tags for ``jupyter nbconvert --to slides``: a ``#``/``##`` heading starts a slide, a
  ``###`` heading a sub-slide, everything else follows on the same slide.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from colab_setup import SETUP_CELL  # noqa: E402

BADGE = re.compile(r"\(https://colab\.research\.google\.com/github/[^)]*\)")


def repository() -> str:
    """Return the owner/name slug the badges point at."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["rag-course"]["repository"]


def badge_url(path: Path) -> str:
    """Return the Colab URL of a notebook."""
    return f"https://colab.research.google.com/github/{repository()}/blob/main/notebooks/{path.name}"


def slide_type(cell: nbformat.NotebookNode) -> str:
    """Return the slide type a cell should have."""
    if cell.cell_type == "markdown":
        first = cell.source.lstrip().split("\n", 1)[0]
        if first.startswith(("# ", "## ")):
            return "slide"
        if first.startswith("### "):
            return "subslide"
    return "-"


def sync(path: Path) -> list[str]:
    """Bring one notebook in line; return what was (or would be) changed."""
    nb = nbformat.read(path, as_version=4)
    changes = []
    head = nb.cells[0]
    fixed = BADGE.sub(f"({badge_url(path)})", head.source)
    if fixed != head.source or badge_url(path) not in fixed:
        changes.append("badge")
        head.source = fixed
    setup = next(c for c in nb.cells if c.cell_type == "code")
    canonical = SETUP_CELL.format(repository=repository())
    if setup.source != canonical:
        changes.append("set-up cell")
        setup.source = canonical
    for cell in nb.cells:
        wanted = slide_type(cell)
        if cell.metadata.get("slideshow", {}).get("slide_type") != wanted:
            cell.metadata["slideshow"] = {"slide_type": wanted}
            if "slide tags" not in changes:
                changes.append("slide tags")
    if changes and "--check" not in sys.argv:
        nbformat.write(nb, path)
    return changes


def main() -> int:
    """Sync (or check) every notebook; print one line per notebook that needs changes."""
    dirty = 0
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        changes = sync(path)
        if changes:
            dirty += 1
            print(f"{path.name}: {', '.join(changes)}")
    return 1 if dirty and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
