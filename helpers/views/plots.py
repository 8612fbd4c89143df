"""Figures and views for the lessons: fonts, PDF pages, chunk boundaries, the corpus map (UMAP).

Plumbing only: what each figure *shows* is explained in the notebook that draws it.
The corpus map is fitted once and cached (``make index`` fits it: ``scripts/build_caches.py``).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.documents import Document

from helpers.prompts import source_label
from helpers.retrieval.hybrid import Scored

# Re-exported: notebooks 04 and 06 import it from here (it lives with the index it reads).

if TYPE_CHECKING:
    from langchain_core.documents import Document




PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3")
KOREAN_FONT = "NanumGothic"


class PlotError(RuntimeError):
    """A figure cannot be drawn as asked; the message says what to do."""


def korean_font_file() -> Path | None:
    """Return the path of a NanumGothic font file (bundled with koreanize-matplotlib), or None."""
    from importlib.util import find_spec

    spec = find_spec("koreanize_matplotlib")
    folders = list(spec.submodule_search_locations or []) if spec else []
    candidates = [Path(f) / "fonts" / "NanumGothic.ttf" for f in folders]
    candidates.append(Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"))  # fonts-nanum
    return next((p for p in candidates if p.is_file()), None)


def setup_fonts() -> None:
    """Make matplotlib draw Hangul (NanumGothic) at sizes readable on a projector."""
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    font = korean_font_file()
    if font is None:
        raise PlotError(
            "No Korean font found, so Hangul would be drawn as empty boxes: "
            "pip install koreanize-matplotlib (or apt-get install fonts-nanum)."
        )
    # Register the font file directly: importing koreanize_matplotlib itself warns (distutils).
    if KOREAN_FONT not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(font))
    plt.rcParams.update(
        {
            "font.family": [KOREAN_FONT, "DejaVu Sans"],
            "axes.unicode_minus": False,  # NanumGothic has no U+2212 minus sign
            "font.size": 12,
            "axes.titlesize": 14,
            "figure.dpi": 90,
        }
    )


def page_image(path: str | Path, page: int, scale: float = 1.0) -> np.ndarray:
    """Return page ``page`` (0-based) of a PDF under ``data/`` rendered as an RGB array."""
    import pypdfium2 as pdfium

    from helpers.documents.files import data_path

    pdf = pdfium.PdfDocument(data_path(path))
    try:
        return np.asarray(pdf[page].render(scale=scale).to_pil().convert("RGB"))
    finally:
        pdf.close()


def chunk_spans_html(text: str, chunks: list[Document], limit: int = 1500) -> str:
    """Return HTML showing ``text`` with each chunk in its own colour and overlaps underlined.

    Chunks need ``start_index`` metadata (``add_start_index=True``); a small number marks where
    each chunk starts.
    """
    text = text[:limit]
    owners: list[list[int]] = [[] for _ in text]
    starts: dict[int, int] = {}
    for n, chunk in enumerate(chunks):
        start = chunk.metadata["start_index"]
        if start < len(text):
            starts.setdefault(start, n)
        for i in range(start, min(start + len(chunk.page_content), len(text))):
            owners[i].append(n)
    parts, i = [], 0
    while i < len(text):
        j = i + 1
        while j < len(text) and owners[j] == owners[i] and j not in starts:
            j += 1
        if i in starts:
            parts.append(
                f'<sup style="color:#444;font-weight:bold">[{starts[i]}]</sup>'
            )
        own = owners[i]
        colour = PALETTE[own[-1] % len(PALETTE)] + "40" if own else "transparent"
        overlap = "border-bottom:3px solid #C44E52;" if len(own) > 1 else ""
        parts.append(f'<span style="background:{colour};{overlap}">{html.escape(text[i:j])}</span>')
        i = j
    body = "".join(parts)
    return f'<div style="white-space:pre-wrap;font-family:monospace;line-height:1.6">{body}</div>'


def chunks_html(hits: Scored, width: int = 160) -> str:
    """Return the retrieved chunks as an HTML list: score, source, length and the text's start."""
    items = "".join(
        f"<li><b>{score:.3f}</b> <code>[{html.escape(source_label(doc.metadata))}]</code> "
        f"<small>({len(doc.page_content)} characters)</small> "
        f"{html.escape(' '.join(doc.page_content.split())[:width])}…</li>"
        for doc, score in hits
    )
    return f'<ol class="rag-playground-chunks">{items}</ol>'
