"""Each notebook exports to reveal.js slides (`make slides`), one idea per slide."""

from __future__ import annotations

import re
import sys

import nbformat
import pytest
from nbconvert import SlidesExporter

from helpers.settings import repo_root

sys.path.insert(0, str(repo_root() / "scripts"))
from sync_notebooks import slide_types  # noqa: E402

NOTEBOOKS = sorted((repo_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def subslides(nb: nbformat.NotebookNode) -> list[list[nbformat.NotebookNode]]:
    """Return the visible cells grouped by the (sub-)slide they are shown on."""
    groups: list[list[nbformat.NotebookNode]] = [[]]
    for cell in nb.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if kind in ("slide", "subslide") and groups[-1]:
            groups.append([])
        if kind not in ("skip", "notes"):
            groups[-1].append(cell)
    return groups


def test_slide_types_give_one_idea_per_slide():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md("# 00 · Title\n\nbadge"), code("# Set-up"), code("import x"),
        md("## A section"), md("Intro."), code("a = 1"), md("Notice a."), md("More on a."),
        code("b = 2"), code("check(b)"), md("Notice b."),
        md("### A detail"), code("c = 3"),
    ]
    assert slide_types(cells, setup=1) == [
        "slide", "skip", "-",
        "slide", "-", "-", "fragment", "-",
        "subslide", "-", "fragment",
        "subslide", "-",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_slide_fits_one_idea(path):
    nb = nbformat.read(path, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert setup.metadata["slideshow"]["slide_type"] == "skip", "the Colab set-up is no slide"
    groups = subslides(nb)
    assert len(groups) >= 5
    crowded = [g[0].source[:60] for g in groups if sum(c.cell_type == "code" for c in g) > 3]
    assert not crowded, f"slides with more than 3 code cells (add a heading?): {crowded}"


@pytest.mark.parametrize("path", NOTEBOOKS[1:3], ids=lambda p: p.name)
def test_notebook_exports_to_slides(path):
    nb = nbformat.read(path, as_version=4)
    html, _ = SlidesExporter(reveal_scroll=True).from_notebook_node(nb)
    # reveal.js: a <section> per slide, with one nested <section> per sub-slide
    assert len(re.findall(r"<section", html)) >= len(subslides(nb))
    assert 'class="fragment"' in html
    assert "Reveal.initialize" in html and "var scroll = true" in html  # long slides scroll
    assert "# Set-up: nothing to do locally" not in html  # skipped
