"""MMR from scratch agrees with LangChain's; metrics on hand-made rankings."""

from __future__ import annotations

import numpy as np
import pytest
from langchain_chroma.vectorstores import maximal_marginal_relevance
from langchain_core.documents import Document

from helpers.evaluation import metrics
from helpers.retrieval.mmr import mean_pairwise_similarity, mmr, top_n


@pytest.fixture(scope="module")
def space():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 16)), rng.normal(size=16)


@pytest.mark.parametrize("lambda_mult", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_mmr_picks_what_langchain_picks(space, lambda_mult):
    docs, query = space
    fetched = docs[top_n(query, docs, 30)]
    ours = mmr(query, fetched, k=6, lambda_mult=lambda_mult)
    theirs = maximal_marginal_relevance(query.astype(np.float32), list(fetched), lambda_mult, k=6)
    assert ours == theirs


def test_mmr_extremes(space):
    docs, query = space
    fetched = docs[top_n(query, docs, 30)]
    assert mmr(query, fetched, k=5, lambda_mult=1.0) == [0, 1, 2, 3, 4]  # pure relevance
    diverse = mmr(query, fetched, k=5, lambda_mult=0.0)
    assert diverse[0] == 0 and len(set(diverse)) == 5
    assert mean_pairwise_similarity(fetched[diverse]) < mean_pairwise_similarity(fetched[:5])


def test_mmr_with_fewer_candidates_than_k():
    vecs = np.eye(3)
    assert sorted(mmr(np.array([1.0, 0.1, 0.0]), vecs, k=5)) == [0, 1, 2]


def doc(source: str, text: str, page: int | None = None) -> Document:
    meta = {"source": source} | ({"page": page} if page is not None else {})
    return Document(page_content=text, metadata=meta)


def test_relevance_needs_source_page_and_evidence():
    gold = {"source": "a.pdf", "page": 2, "evidence": "Thursday  Nights"}
    assert metrics.is_relevant(doc("a.pdf", "fires on thursday\nnights only", 2), gold)
    assert not metrics.is_relevant(doc("a.pdf", "fires on thursday nights", 3), gold)
    assert not metrics.is_relevant(doc("b.pdf", "fires on thursday nights", 2), gold)
    assert not metrics.is_relevant(doc("a.pdf", "fires on Fridays", 2), gold)
    assert not metrics.is_relevant(doc("a.pdf", "anything", 2), None)


def test_rank_metrics_on_a_known_ranking():
    rel = [False, True, False, True]
    assert metrics.hit_at_k(rel, 1) == 0.0 and metrics.hit_at_k(rel, 2) == 1.0
    assert metrics.reciprocal_rank(rel) == 0.5
    assert metrics.reciprocal_rank([False, False]) == 0.0
    expected = (1 / np.log2(3) + 1 / np.log2(5)) / (1 + 1 / np.log2(3))
    assert metrics.ndcg_at_k(rel, 4, n_relevant=2) == pytest.approx(expected)
    assert metrics.ndcg_at_k([True], 5, n_relevant=1) == 1.0
    assert metrics.mean([]) == 0.0
