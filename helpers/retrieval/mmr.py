"""Retrieval written from scratch, to check LangChain's: maximal marginal relevance in numpy.

Notebook 06 writes :func:`mmr` step by step and checks it picks exactly what LangChain's
``max_marginal_relevance_search`` picks from the same fetched candidates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from helpers.retrieval.hybrid import Scored, fuse

if TYPE_CHECKING:

    pass


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Return the rows scaled to length 1 (so dot products are cosine similarities)."""
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def mmr(
    query: np.ndarray, candidates: np.ndarray, k: int = 5, lambda_mult: float = 0.5
) -> list[int]:
    """Return the indexes of ``candidates`` chosen by MMR, in the order they were picked.

    ``candidates`` are the embeddings fetched for the query (the ``fetch_k`` most similar, in
    that order). The most relevant comes first; then, repeatedly, the candidate that maximises
    ``lambda_mult * sim(query, d) - (1 - lambda_mult) * max(sim(d, chosen))``.
    """
    docs = unit_rows(candidates)
    relevance = docs @ unit_rows(query)[0]
    chosen = [int(np.argmax(relevance))]
    while len(chosen) < min(k, len(docs)):
        redundancy = (docs @ docs[chosen].T).max(axis=1)
        scores = lambda_mult * relevance - (1 - lambda_mult) * redundancy
        scores[chosen] = -np.inf
        chosen.append(int(np.argmax(scores)))
    return chosen


def top_n(query: np.ndarray, vectors: np.ndarray, n: int) -> list[int]:
    """Return the indexes of the ``n`` rows most similar to ``query`` (exact search)."""
    sims = unit_rows(vectors) @ unit_rows(query)[0]
    return [int(i) for i in np.argsort(-sims, kind="stable")[:n]]


def mean_pairwise_similarity(vectors: np.ndarray) -> float:
    """Return the mean cosine similarity over all pairs of rows (the redundancy of a result)."""
    unit = unit_rows(vectors)
    n = len(unit)
    return float(((unit @ unit.T).sum() - n) / (n * (n - 1))) if n > 1 else 0.0


def select(
    dense: Scored,
    sparse: Scored,
    k: int = 5,
    alpha: float = 0.6,
    lambda_mult: float = 1.0,
    vectors: dict[str, np.ndarray] | None = None,
) -> Scored:
    """Return ``k`` chunks: fused with ``alpha``, then re-picked by MMR when ``lambda_mult < 1``.

    MMR repeatedly takes the candidate with the best
    ``lambda_mult * fused - (1 - lambda_mult) * max cosine(candidate, already taken)``;
    ``vectors`` maps chunk ids to their unit vectors (:func:`store_vectors`).
    """
    fused = fuse(dense, sparse, alpha, len(dense) + len(sparse))
    if lambda_mult >= 1.0 or vectors is None or len(fused) <= 1:
        return fused[:k]
    V = np.stack([vectors[d.metadata["chunk_id"]] for d, _ in fused])
    relevance = np.array([s for _, s in fused])
    chosen = [0]
    while len(chosen) < min(k, len(fused)):
        redundancy = (V @ V[chosen].T).max(axis=1)
        score = lambda_mult * relevance - (1 - lambda_mult) * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return [fused[i] for i in chosen]
