"""Figures and views for the lessons: fonts, PDF pages, chunk boundaries, the corpus map (UMAP).

Plumbing only: what each figure *shows* is explained in the notebook that draws it.
The corpus map is fitted once and cached (``make index`` fits it: ``scripts/build_caches.py``).
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

# Re-exported: notebooks 04 and 06 import it from here (it lives with the index it reads).
from helpers.index import corpus_vectors

if TYPE_CHECKING:
    from langchain_core.documents import Document
    from matplotlib.axes import Axes

PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3")
#: UMAP settings of the corpus map (n_neighbors is also what ``CorpusMap.project`` uses).
N_NEIGHBORS = 15
MIN_DIST = 0.1
KOREAN_FONT = "NanumGothic"


class PlotError(RuntimeError):
    """A figure cannot be drawn as asked; the message says what to do."""


# --- fonts ----------------------------------------------------------------------------------


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


# --- PDF pages and chunks -------------------------------------------------------------------


def page_image(path: str | Path, page: int, scale: float = 1.0) -> np.ndarray:
    """Return page ``page`` (0-based) of a PDF under ``data/`` rendered as an RGB array."""
    import pypdfium2 as pdfium

    from helpers.corpus import data_path

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


# --- the corpus map ---------------------------------------------------------------------------


def _membership_weights(dists: np.ndarray, k: int, n_iter: int = 64) -> np.ndarray:
    """Return UMAP's fuzzy membership weights exp(-d / sigma) for rows of sorted kNN distances,
    with sigma found by binary search so that each row sums to log2(k) (``smooth_knn_dist``)."""
    dists = dists.astype(np.float64)
    target = np.log2(k)
    lo = np.zeros(len(dists))
    hi = np.full(len(dists), np.inf)
    mid = np.ones(len(dists))
    active = np.ones(len(dists), dtype=bool)
    for _ in range(n_iter):
        psum = np.where(dists[:, 1:] > 0, np.exp(-dists[:, 1:] / mid[:, None]), 1.0).sum(axis=1)
        active &= np.abs(psum - target) >= 1e-5
        if not active.any():
            break
        too_big = active & (psum > target)
        too_small = active & (psum <= target)
        hi[too_big] = mid[too_big]
        lo[too_small] = mid[too_small]
        mid = np.where(too_big | (too_small & np.isfinite(hi)), (lo + hi) / 2, mid)
        mid = np.where(too_small & ~np.isfinite(hi), mid * 2, mid)
    sigma = np.maximum(mid, 1e-3 * dists.mean())
    return np.where(dists > 0, np.exp(-dists / sigma[:, None]), 1.0)


@dataclass
class CorpusMap:
    """A 2-D UMAP layout of the corpus chunks, able to place new vectors on the same map."""

    ids: list[str]
    xy: np.ndarray
    metadatas: list[dict[str, Any]]
    vectors: np.ndarray
    n_neighbors: int = N_NEIGHBORS

    def neighbours(self, vectors: np.ndarray, k: int) -> np.ndarray:
        """Return the row numbers of the ``k`` most cosine-similar chunks of each vector."""
        sims = np.atleast_2d(vectors).astype(np.float32) @ self.vectors.T
        return np.argsort(-sims, axis=1, kind="stable")[:, :k]

    def project(self, vectors: np.ndarray) -> np.ndarray:
        """Return 2-D positions for new (query) vectors: where ``UMAP.transform`` places them
        first — the membership-weighted mean of their nearest chunks' positions."""
        q = np.atleast_2d(vectors).astype(np.float32)
        q = q / np.linalg.norm(q, axis=1, keepdims=True)
        near = self.neighbours(q, self.n_neighbors)
        dists = np.maximum(0.0, 1.0 - np.take_along_axis(q @ self.vectors.T, near, axis=1))
        weights = _membership_weights(dists, self.n_neighbors)
        xy = np.einsum("qk,qkd->qd", weights, self.xy[near]) / weights.sum(axis=1, keepdims=True)
        exact = weights >= 1.0  # a query identical to a chunk sits on that chunk
        for row in np.flatnonzero(exact.any(axis=1)):
            xy[row] = self.xy[near[row, np.argmax(exact[row])]]
        return xy


def fit_layout(vectors: np.ndarray, seed: int = 42) -> np.ndarray:
    """Return a 2-D UMAP layout of unit vectors (cosine metric, fixed ``random_state``)."""
    from helpers.models import quiet_libraries

    quiet_libraries()
    import umap

    reducer = umap.UMAP(
        n_neighbors=N_NEIGHBORS, min_dist=MIN_DIST, metric="cosine", random_state=seed, n_jobs=1
    )
    return np.asarray(reducer.fit_transform(vectors), dtype=np.float32)


def map_inputs(ids: list[str], seed: int) -> dict[str, Any]:
    """Return everything the corpus map depends on (its cache key): the chunks, UMAP's settings."""
    from helpers.cache import package_version

    return {
        "chunks": hashlib.sha256("|".join(ids).encode()).hexdigest(),
        "seed": seed,
        "n_neighbors": N_NEIGHBORS,
        "min_dist": MIN_DIST,
        "metric": "cosine",
        "umap": package_version("umap-learn"),
        "numpy": package_version("numpy"),
    }


def corpus_map(seed: int = 42) -> CorpusMap:
    """Return the UMAP map of the course index: fitted once (slow), then read from the cache."""
    from helpers.cache import cached_json

    ids, vectors, metadatas, _ = corpus_vectors()
    xy = cached_json("umap", map_inputs(ids, seed), lambda: fit_layout(vectors, seed).tolist())
    return CorpusMap(
        ids=ids, xy=np.asarray(xy, dtype=np.float32), metadatas=metadatas, vectors=vectors
    )


def plot_map(
    cmap: CorpusMap,
    ax: Axes | None = None,
    highlight: dict[str, list[str]] | None = None,
    queries: dict[str, tuple[np.ndarray, list[str]]] | None = None,
    title: str = "The corpus, one dot per chunk (UMAP)",
) -> Axes:
    """Draw the map coloured by source and return the Axes; ``highlight`` marks chunk ids per
    label, ``queries`` maps a label to (its 2-D position, the ids of its nearest chunks)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 6.5))
    sources = np.array([m["source"] for m in cmap.metadatas])
    for k, source in enumerate(sorted(set(sources))):
        pts = cmap.xy[sources == source]
        ax.scatter(*pts.T, s=10, alpha=0.5, color=PALETTE[k % len(PALETTE)], label=source)
    where = {cid: i for i, cid in enumerate(cmap.ids)}
    for k, (label, ids) in enumerate((highlight or {}).items()):
        missing = [i for i in ids if i not in where]
        if missing:
            raise PlotError(f"{len(missing)} highlighted ids are not in the map: {missing[:2]}")
        pts = cmap.xy[[where[i] for i in ids]].reshape(-1, 2)
        ax.scatter(*pts.T, s=140, facecolors="none", edgecolors="black", linewidths=1.8,
                   marker="osD^"[k % 4], label=label, zorder=4)
    for label, (pos, near) in (queries or {}).items():
        pos = np.asarray(pos).reshape(2)
        for cid in near:
            ax.plot(*np.c_[pos, cmap.xy[where[cid]]], color="black", linewidth=0.9, alpha=0.7)
        ax.scatter(*pos, marker="*", s=360, color="gold", edgecolors="black", zorder=5)
        ax.annotate(label, pos, xytext=(8, 6), textcoords="offset points", fontsize=12,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.8}, zorder=6)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=10, markerscale=1.5,
              frameon=False)
    return ax
