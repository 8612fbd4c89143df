"""The corpus map of notebooks 04, 06 and 15: UMAP of the course index's vectors, fitted once and
cached, with a projection for new points (questions).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from helpers.index.chroma import corpus_vectors
from helpers.views.plots import PALETTE, PlotError, setup_fonts

if TYPE_CHECKING:
    from matplotlib.axes import Axes


#: UMAP settings of the corpus map (n_neighbors is also what ``CorpusMap.project`` uses).
N_NEIGHBORS = 15

MIN_DIST = 0.1


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
    from helpers.runtime import quiet_libraries

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


def map_png(
    cmap: CorpusMap, query_vector: np.ndarray, ids: Sequence[str],
    title: str = "Where the retrieved chunks lie",
) -> bytes:
    """Return the corpus map as PNG bytes: the question's place and lines to ``ids``."""
    from matplotlib.figure import Figure

    setup_fonts()
    fig = Figure(figsize=(8.5, 4.6), dpi=72)
    ax = fig.add_subplot()
    where = cmap.project(query_vector)[0]
    plot_map(cmap, ax=ax, highlight={"retrieved": list(ids)},
             queries={"question": (where, list(ids))}, title=title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
