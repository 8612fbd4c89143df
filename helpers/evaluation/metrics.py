"""Retrieval metrics on the course question set: relevance, hit rate@k, MRR, nDCG@k.

A retrieved chunk is *relevant* to a question when it comes from the gold source (and the gold
page, for PDFs) and contains the gold evidence phrase (compared after ``normalize``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langchain_core.documents import Document

from helpers.documents.hangul import normalize

Gold = Mapping[str, Any]


def is_relevant(doc: Document, gold: Gold | None) -> bool:
    """Return True when ``doc`` is a chunk that holds the gold evidence of a question."""
    if not gold:
        return False
    meta = doc.metadata
    if meta.get("source") != gold["source"]:
        return False
    if gold.get("page") is not None and meta.get("page") != gold["page"]:
        return False
    return normalize(gold["evidence"]) in normalize(doc.page_content)


def relevance(docs: Iterable[Document], gold: Gold | None) -> list[bool]:
    """Return, for a ranked list of chunks, whether each one is relevant."""
    return [is_relevant(d, gold) for d in docs]


def hit_at_k(rel: Sequence[bool], k: int) -> float:
    """Return 1.0 when a relevant chunk is among the first ``k``, else 0.0."""
    return float(any(rel[:k]))


def reciprocal_rank(rel: Sequence[bool]) -> float:
    """Return 1 / rank of the first relevant chunk (0.0 when there is none)."""
    return next((1.0 / (i + 1) for i, r in enumerate(rel) if r), 0.0)


def ndcg_at_k(rel: Sequence[bool], k: int, n_relevant: int) -> float:
    """Return nDCG@k with binary gains.

    The ideal ranking puts all ``n_relevant`` relevant chunks *of the corpus* first (several
    chunks can hold the same evidence: overlaps), so a ranking that finds one of two relevant
    chunks scores below 1 even when it finds it first. Count them with :func:`count_relevant`.
    """
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(rel[:k]) if r)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(n_relevant, k)))
    return dcg / ideal if ideal else 0.0


def count_relevant(chunks: Iterable[Document], gold: Gold | None) -> int:
    """Return how many of the corpus ``chunks`` are relevant to ``gold`` (nDCG's ideal)."""
    return sum(is_relevant(c, gold) for c in chunks)


def mean(values: Iterable[float]) -> float:
    """Return the arithmetic mean (0.0 for no values)."""
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Return the exact two-sided McNemar p of ``only_a`` vs ``only_b`` discordant pairs (each a
    fair coin under "no difference": twice the binomial tail of the smaller count, at most 1)."""
    from math import comb

    n = only_a + only_b
    if not n:
        return 1.0
    return min(1.0, 2 * sum(comb(n, i) for i in range(min(only_a, only_b) + 1)) / 2**n)


def paired_permutation_p(
    a: Sequence[float], b: Sequence[float], rounds: int = 10_000, seed: int = 0
) -> float:
    """Return the two-sided p of a paired sign-flip test of mean(a) = mean(b): exact over every
    sign pattern up to 16 non-zero differences, else ``rounds`` seeded random ones (+1 smoothed)."""
    import numpy as np

    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    d = d[np.abs(d) > 1e-12]  # a zero difference flips to itself: it changes no sum
    if not len(d):
        return 1.0
    observed = abs(d.sum()) - 1e-9
    if len(d) <= 16:
        signs = ((np.arange(2 ** len(d))[:, None] >> np.arange(len(d))) & 1) * 2 - 1
        return float(np.mean(np.abs(signs @ d) >= observed))
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=(rounds, len(d)))
    return float((1 + np.sum(np.abs(signs @ d) >= observed)) / (rounds + 1))
