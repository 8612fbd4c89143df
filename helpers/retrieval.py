"""Retrieval written from scratch, to check LangChain's: maximal marginal relevance in numpy.

Notebook 05 writes :func:`mmr` step by step and checks it picks exactly what LangChain's
``max_marginal_relevance_search`` picks, from the corpus vectors stored in the course index.
"""

from __future__ import annotations

import numpy as np


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Return the rows scaled to length 1 (so dot products are cosine similarities)."""
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def top_n(query: np.ndarray, vectors: np.ndarray, n: int) -> list[int]:
    """Return the indexes of the ``n`` rows most similar to ``query`` (exact search)."""
    sims = unit_rows(vectors) @ unit_rows(query)[0]
    return [int(i) for i in np.argsort(-sims, kind="stable")[:n]]


def mmr(
    query_vec: np.ndarray,
    doc_vecs: np.ndarray,
    k: int = 5,
    fetch_k: int | None = None,
    lambda_mult: float = 0.5,
) -> list[int]:
    """Return the indexes of the ``k`` rows of ``doc_vecs`` chosen by MMR, in the order picked.

    Like LangChain: the ``fetch_k`` rows most similar to the query (all rows if ``None``) are
    the candidates; the most relevant comes first; then, repeatedly, the candidate that maximises
    ``lambda_mult * sim(query, d) - (1 - lambda_mult) * max(sim(d, chosen))``.
    """
    if not 0.0 <= lambda_mult <= 1.0:
        raise ValueError(f"lambda_mult must be between 0 and 1, got {lambda_mult}.")
    docs = unit_rows(doc_vecs)
    relevance = docs @ unit_rows(query_vec)[0]
    pool = np.argsort(-relevance, kind="stable")[: fetch_k or len(docs)]  # the candidates
    chosen = [int(pool[0])]  # the most relevant first
    while len(chosen) < min(k, len(pool)):
        redundancy = (docs[pool] @ docs[chosen].T).max(axis=1)  # similarity to the closest pick
        scores = lambda_mult * relevance[pool] - (1 - lambda_mult) * redundancy
        scores[np.isin(pool, chosen)] = -np.inf
        chosen.append(int(pool[np.argmax(scores)]))
    return chosen


def mean_pairwise_similarity(vectors: np.ndarray) -> float:
    """Return the mean cosine similarity over all pairs of rows (the redundancy of a result)."""
    unit = unit_rows(vectors)
    n = len(unit)
    return float(((unit @ unit.T).sum() - n) / (n * (n - 1))) if n > 1 else 0.0
