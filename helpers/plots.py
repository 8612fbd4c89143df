"""Figures and views for the lessons: fonts, chunk boundaries, the corpus map (UMAP).

Plumbing only: what each figure *shows* is explained in the notebook that draws it.
"""

from __future__ import annotations

import html
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from helpers.settings import get_settings

if TYPE_CHECKING:
    from langchain_core.documents import Document
    from matplotlib.axes import Axes

PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3")


def setup_fonts() -> None:
    """Make matplotlib draw Hangul (a bundled Korean font) at sizes readable on a projector."""
    import warnings

    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the package's own import-time deprecation notices
        import koreanize_matplotlib  # noqa: F401 - registers and selects NanumGothic

    plt.rcParams.update(
        {"font.size": 12, "axes.titlesize": 14, "figure.dpi": 90, "axes.unicode_minus": False}
    )


def chunk_spans_html(text: str, chunks: list[Document], limit: int = 1500) -> str:
    """Return HTML showing ``text`` with each chunk in its own colour and overlaps underlined.

    Chunks need ``start_index`` metadata (``add_start_index=True``).
    """
    text = text[:limit]
    owners: list[list[int]] = [[] for _ in text]
    for n, chunk in enumerate(chunks):
        start = chunk.metadata["start_index"]
        for i in range(start, min(start + len(chunk.page_content), len(text))):
            owners[i].append(n)
    parts, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and owners[j] == owners[i]:
            j += 1
        own = owners[i]
        colour = PALETTE[own[0] % len(PALETTE)] + "33" if own else "transparent"
        overlap = "border-bottom:3px solid #C44E52;" if len(own) > 1 else ""
        style = f"background:{colour};{overlap}"
        parts.append(f'<span style="{style}">{html.escape(text[i:j])}</span>')
        i = j
    body = "".join(parts)
    return f'<div style="white-space:pre-wrap;font-family:monospace;line-height:1.5">{body}</div>'


# --- the corpus map ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def corpus_vectors() -> tuple[list[str], np.ndarray, list[dict[str, Any]], list[str]]:
    """Return ids, embeddings, metadatas and texts of the course index, sorted by id."""
    from helpers.index import course_index

    got = course_index().get(include=["embeddings", "metadatas", "documents"])
    order = sorted(range(len(got["ids"])), key=lambda i: got["ids"][i])
    ids = [got["ids"][i] for i in order]
    vectors = np.asarray(got["embeddings"], dtype=np.float32)[order]
    return ids, vectors, [got["metadatas"][i] for i in order], [got["documents"][i] for i in order]


@dataclass
class CorpusMap:
    """A 2-D UMAP layout of the corpus chunks, able to place new vectors on the same map."""

    ids: list[str]
    xy: np.ndarray
    metadatas: list[dict[str, Any]]
    reducer: Any = field(repr=False)

    def project(self, vectors: np.ndarray) -> np.ndarray:
        """Return 2-D positions for new (query) vectors on this map."""
        return np.asarray(self.reducer.transform(np.atleast_2d(vectors)))


def corpus_map(seed: int = 42) -> CorpusMap:
    """Return the UMAP map of the course index, fitted once and cached on disk."""
    from helpers.index import fingerprint

    path = get_settings().cache_dir / "umap" / f"{fingerprint()}-{seed}.pkl"
    ids, vectors, metadatas, _ = corpus_vectors()
    if path.exists():
        reducer, xy = pickle.loads(path.read_bytes())
    else:
        import umap

        reducer = umap.UMAP(
            n_neighbors=15, min_dist=0.1, metric="cosine", random_state=seed, n_jobs=1
        )
        xy = reducer.fit_transform(vectors)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps((reducer, xy)))
    return CorpusMap(ids=ids, xy=np.asarray(xy), metadatas=metadatas, reducer=reducer)


def plot_map(
    cmap: CorpusMap,
    ax: Axes | None = None,
    highlight: dict[str, list[str]] | None = None,
    queries: dict[str, tuple[np.ndarray, list[str]]] | None = None,
    title: str = "The corpus, one dot per chunk (UMAP)",
) -> Axes:
    """Draw the map coloured by source; ``highlight`` marks chunk ids per label, ``queries``
    maps a label to (its 2-D position, the ids of its nearest chunks) drawn with lines."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 7))
    sources = sorted({m["source"] for m in cmap.metadatas})
    for k, source in enumerate(sources):
        mask = np.array([m["source"] == source for m in cmap.metadatas])
        ax.scatter(*cmap.xy[mask].T, s=9, alpha=0.45, color=PALETTE[k % len(PALETTE)], label=source)
    where = {cid: i for i, cid in enumerate(cmap.ids)}
    markers = ("o", "s", "^", "D")
    for k, (label, ids) in enumerate((highlight or {}).items()):
        pts = cmap.xy[[where[i] for i in ids if i in where]]
        ax.scatter(*pts.T, s=130, facecolors="none", edgecolors="black", linewidths=1.8,
                   marker=markers[k % len(markers)], label=label)
    for label, (pos, near) in (queries or {}).items():
        for cid in near:
            ax.plot(*np.c_[pos, cmap.xy[where[cid]]], color="black", linewidth=0.8, alpha=0.7)
        ax.scatter(*pos, marker="*", s=320, color="gold", edgecolors="black", zorder=5)
        ax.annotate(label, pos, xytext=(6, 6), textcoords="offset points", fontsize=11)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="best", fontsize=9, markerscale=1.5)
    return ax


def main() -> None:
    """Fit and cache the corpus map (``python -m helpers.plots``), printing how long it took."""
    import time

    start = time.perf_counter()
    cmap = corpus_map()
    print(f"corpus map ready: {len(cmap.ids)} chunks in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
