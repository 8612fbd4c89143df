"""Keep every notebook's Colab badge, set-up cell and slide tags consistent.

Usage: ``python scripts/sync_notebooks.py`` rewrites the notebooks; ``--check`` only reports
what would change (exit 1), which the tests use. It never touches outputs, so nbval stays green.

* the Colab badge in the first cell points at the notebook's own path in the repository named
  in ``pyproject.toml`` (``[tool.rag-course] repository``);
* the first code cell is the canonical set-up cell of ``scripts/colab_setup.py``;
* slide tags for ``jupyter nbconvert --to slides`` (``make slides``), one idea per slide: a
  ``#``/``##`` heading starts a slide, a ``###`` heading a sub-slide; a code cell that follows
  an idea already shown (code, then its markdown) starts a sub-slide of its own; the markdown
  after a code cell ("what to notice") is a fragment, revealed after the output; the set-up
  cell and the ``## Solutions`` section (from its heading to the end) are skipped.

``python scripts/sync_notebooks.py notebooks/NN_name.ipynb ...`` syncs only the notebooks named.
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

COLAB_SVG = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE = re.compile(r"\(https://colab\.research\.google\.com/github/[^)]*\)")


def repository() -> str:
    """Return the owner/name slug the badges point at."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["rag-course"]["repository"]


def badge_url(path: Path) -> str:
    """Return the Colab URL of a notebook."""
    return (
        f"https://colab.research.google.com/github/{repository()}/blob/main/notebooks/{path.name}"
    )


def heading_level(cell: nbformat.NotebookNode) -> int:
    """Return the Markdown heading level of a cell's first line (0 when it is no heading)."""
    if cell.cell_type != "markdown":
        return 0
    first = cell.source.lstrip().split("\n", 1)[0]
    hashes = len(first) - len(first.lstrip("#"))
    return hashes if first[hashes : hashes + 1] == " " else 0


def slide_types(cells: list[nbformat.NotebookNode], setup: int) -> list[str]:
    """Return each cell's ``slideshow.slide_type``: one idea (code + what to notice) per slide."""
    types: list[str] = []
    shown_code = False  # the current (sub-)slide already shows a code cell
    solutions = False  # inside the solutions section: slides skip it
    for index, cell in enumerate(cells):
        previous_cell = cells[index - 1] if index else None
        level = heading_level(cell)
        if level == 2 and cell.source.lstrip().startswith("## Solutions"):
            solutions = True
        if index == setup or solutions:
            wanted = "skip"
        elif level in (1, 2):
            wanted, shown_code = "slide", False
        elif level == 3:
            wanted, shown_code = "subslide", False
        elif cell.cell_type == "code":
            after_markdown = previous_cell is not None and previous_cell.cell_type == "markdown"
            wanted = "subslide" if shown_code and after_markdown else "-"
            shown_code = True
        elif previous_cell is not None and previous_cell.cell_type == "code" and index - 1 != setup:
            wanted = "fragment"
        else:
            wanted = "-"
        types.append(wanted)
    return types


def sync(path: Path) -> list[str]:
    """Bring one notebook in line; return what was (or would be) changed."""
    nb = nbformat.read(path, as_version=4)
    changes = []
    head = nb.cells[0]
    fixed = BADGE.sub(f"({badge_url(path)})", head.source)
    if not BADGE.search(fixed):  # no badge yet: put one under the title line
        title, _, rest = fixed.partition("\n")
        fixed = f"{title}\n\n[![Open In Colab]({COLAB_SVG})]({badge_url(path)})\n{rest}"
    switch = f" &nbsp; **English** · [한국어](ko/{path.name})"  # the Korean twin (korean.py)
    if switch not in fixed:
        fixed = re.sub(r" &nbsp; \*\*English\*\* · \[한국어\]\([^)]*\)", "", fixed)
        badge = r"(\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\))"
        fixed = re.sub(badge, lambda m: m[1] + switch, fixed, count=1)
    if fixed != head.source:
        changes.append("badge")
        head.source = fixed
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    setup = nb.cells[first_code]
    canonical = SETUP_CELL.format(repository=repository())
    if setup.source != canonical:
        changes.append("set-up cell")
        setup.source = canonical
    for cell, wanted in zip(nb.cells, slide_types(nb.cells, first_code), strict=True):
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
    named = [Path(a).resolve() for a in sys.argv[1:] if not a.startswith("--")]
    for path in named or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        changes = sync(path)
        if changes:
            dirty += 1
            print(f"{path.name}: {', '.join(changes)}")
    return 1 if dirty and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
