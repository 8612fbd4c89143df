"""Each notebook exports to reveal.js slides, one slide per heading."""

from __future__ import annotations

import json
import re

import pytest
from nbconvert import SlidesExporter

from helpers.settings import repo_root

NOTEBOOKS = sorted((repo_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS[:2], ids=lambda p: p.name)
def test_notebook_exports_to_slides(path):
    html, _ = SlidesExporter().from_filename(str(path))
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    slides = sum(c["metadata"].get("slideshow", {}).get("slide_type") == "slide" for c in cells)
    assert slides >= 3
    # reveal.js: one top-level <section> per slide (sub-slides nest inside them)
    assert len(re.findall(r"<section", html)) >= slides
    assert "reveal" in html.lower()
