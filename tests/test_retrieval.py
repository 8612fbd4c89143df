"""MMR from scratch agrees with LangChain's; metrics on hand-made rankings."""

from __future__ import annotations

import numpy as np
import pytest
from langchain_chroma import Chroma
from langchain_chroma.vectorstores import maximal_marginal_relevance
from langchain_core.documents import Document
from langchain_core.vectorstores.utils import maximal_marginal_relevance as core_mmr

from helpers import metrics
from helpers.retrieval import mean_pairwise_similarity, mmr, top_n


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


@pytest.mark.parametrize("lambda_mult", [0.0, 0.3, 0.5, 0.9])
def test_mmr_fetches_like_langchain_core(space, lambda_mult):
    docs, query = space
    top = top_n(query, docs, 20)
    theirs = core_mmr(query, docs[top], lambda_mult=lambda_mult, k=5)
    assert mmr(query, docs, k=5, fetch_k=20, lambda_mult=lambda_mult) == [top[i] for i in theirs]


def test_mmr_matches_chroma_search_by_vector(space):
    """Chroma fetches fetch_k candidates itself; the picked set must still be the same."""
    from helpers.index import chroma_client

    docs, query = space
    store = Chroma(
        collection_name="mmr-check",
        client=chroma_client(None),
        collection_metadata={"hnsw:space": "cosine", "hnsw:search_ef": 200},
    )
    ids = [f"d{i:02d}" for i in range(len(docs))]
    store._collection.add(ids=ids, embeddings=docs.tolist(), documents=ids)
    try:
        for lam in (0.0, 0.5, 1.0):
            found = store.max_marginal_relevance_search_by_vector(
                query.tolist(), k=5, fetch_k=25, lambda_mult=lam
            )
            ours = mmr(query, docs, k=5, fetch_k=25, lambda_mult=lam)
            assert sorted(d.page_content for d in found) == sorted(ids[i] for i in ours)
    finally:
        store.delete_collection()


def test_mmr_rejects_a_lambda_outside_0_1(space):
    docs, query = space
    with pytest.raises(ValueError, match="between 0 and 1"):
        mmr(query, docs, lambda_mult=1.5)


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
    assert metrics.ndcg_at_k(rel, 4) == pytest.approx(expected)
    assert metrics.ndcg_at_k([True], 5) == 1.0
    assert metrics.mean([]) == 0.0
