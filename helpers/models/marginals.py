"""The RAG paper's two marginalisations (RAG-Sequence, RAG-Token) and the retriever's p(z|x)
(notebook 11), on any token log-probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


def retriever_probs(scores: Sequence[float], temperature: float = 1.0) -> list[float]:
    """Return p_η(z|x): the softmax of retrieval scores divided by ``temperature``."""
    scaled = [s / temperature for s in scores]
    top = max(scaled)
    exps = [math.exp(s - top) for s in scaled]
    total = sum(exps)
    return [e / total for e in exps]


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def rag_sequence_logprob(per_passage: Sequence[Sequence[float]], p_z: Sequence[float]) -> float:
    """Return log p(y|x) under RAG-Sequence, from each passage's per-token log-probs of y."""
    return _logsumexp([math.log(pz) + sum(lp) for lp, pz in zip(per_passage, p_z, strict=True)])


def rag_token_logprob(per_passage: Sequence[Sequence[float]], p_z: Sequence[float]) -> float:
    """Return log p(y|x) under RAG-Token: marginalise over passages at every token."""
    n_tokens = len(per_passage[0])
    return sum(
        _logsumexp([math.log(pz) + lp[i] for lp, pz in zip(per_passage, p_z, strict=True)])
        for i in range(n_tokens)
    )
