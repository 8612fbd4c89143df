"""Tests of helpers.evaluation: the dev/test split, choosing alpha, the cached chunk sweep."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from helpers.cache import cache_key
from helpers.documents.splitting import split_documents
from helpers.evaluation import fusion, sweeps
from helpers.index import vectors
from helpers.questions import course

QUESTIONS = [
    {"id": "a", "lang": "en", "split": "dev", "answerable": True, "question": "red apple",
     "gold": {"source": "x.txt", "page": None, "evidence": "red apple"}},
    {"id": "b", "lang": "ko", "split": "dev", "answerable": True, "question": "green pear",
     "gold": {"source": "x.txt", "page": None, "evidence": "green pear"}},
    {"id": "c", "lang": "en", "split": "test", "answerable": True, "question": "blue plum",
     "gold": {"source": "x.txt", "page": None, "evidence": "blue plum"}},
    {"id": "d", "lang": "en", "split": "dev", "answerable": False, "question": "none",
     "gold": None},
]


def test_split_questions_keeps_answerable_of_one_split():
    assert [q["id"] for q in course.split_questions(QUESTIONS, "dev")] == ["a", "b"]
    assert [q["id"] for q in course.split_questions(QUESTIONS, "dev", "en")] == ["a"]
    assert [q["id"] for q in course.split_questions(QUESTIONS, "test")] == ["c"]


def test_choose_alpha_best_mrr_then_hit5_then_smaller_alpha():
    rows = [
        {"script": "en", "alpha": 0.2, "MRR": 0.5, "hit@5": 0.8},
        {"script": "en", "alpha": 0.6, "MRR": 0.7, "hit@5": 0.8},
        {"script": "en", "alpha": 0.8, "MRR": 0.7, "hit@5": 0.9},
        {"script": "ko", "alpha": 0.3, "MRR": 0.6, "hit@5": 0.9},
        {"script": "ko", "alpha": 0.5, "MRR": 0.6, "hit@5": 0.9},
    ]
    assert fusion.choose_alpha(rows) == {"en": 0.8, "ko": 0.3}


class _WordEmbeddings:
    """A toy embedder: one dimension per word of a tiny vocabulary."""

    vocab = ("red", "apple", "green", "pear", "blue", "plum")

    def _one(self, text: str) -> list[float]:
        words = text.lower().split()
        return [float(w in words) + 1e-3 for w in self.vocab]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._one(t) for t in texts]


@pytest.fixture
def toy_sweep(monkeypatch, tmp_path):
    from helpers.embeddings import minilm
    from helpers.index import chroma

    monkeypatch.setenv("RAG_COURSE_CACHE_DIR", str(tmp_path))
    docs = [Document(page_content="a red apple. " * 3 + "a green pear. " * 3 + "a blue plum.",
                     metadata={"source": "x.txt", "page": None})]
    monkeypatch.setattr(sweeps, "SWEEP", ((40, 0),))
    monkeypatch.setattr(sweeps, "load_corpus", lambda: docs)
    monkeypatch.setattr(sweeps, "load_questions", lambda: QUESTIONS)
    monkeypatch.setattr(vectors, "load_corpus", lambda: docs)
    monkeypatch.setattr(minilm, "get_embeddings", lambda: _WordEmbeddings())
    monkeypatch.setattr(chroma, "embedder_for", lambda name="minilm": _WordEmbeddings())
    monkeypatch.setattr(chroma, "fingerprint", lambda *args, **kwargs: "toy")
    return docs


def test_chunk_sweep_uses_the_split_and_is_cached(toy_sweep, monkeypatch):
    dev = sweeps.chunk_sweep(k=1)
    assert dev[0]["questions"] == 2  # the answerable dev questions only
    assert dev[0]["hit@1"] == 1.0
    assert dev[0]["hit@1 en"] == 1.0 and dev[0]["hit@1 ko"] == 1.0
    assert sweeps.chunk_sweep(k=1, split="test")[0]["questions"] == 1
    assert sweeps.chunk_sweep(k=1, split=None)[0]["questions"] == 3

    def fail(*args, **kwargs):
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(sweeps, "_chunk_sweep", fail)
    assert sweeps.chunk_sweep(k=1) == dev  # same inputs: read from the cache
    with pytest.raises(AssertionError, match="recomputed"):
        sweeps.chunk_sweep(k=2)  # another setting: another cache entry


def test_sweep_keeps_the_vectors_once_per_setting_and_embedder(toy_sweep, monkeypatch):
    chunks = split_documents(toy_sweep, 40, 0)
    calls = []
    original = _WordEmbeddings.embed_documents

    def counting(self, texts):
        calls.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(_WordEmbeddings, "embed_documents", counting)
    sweeps.chunk_sweep(k=1)  # embeds the questions, then the chunks of 40/0 (kept)
    assert calls == [2, len(chunks)]
    assert vectors.setting_vectors_cached(40, 0, "minilm", chunks)
    stored = vectors.setting_vectors(40, 0, "minilm", chunks)  # read back: no embedding
    assert calls == [2, len(chunks)]
    assert stored.shape == (len(chunks), len(_WordEmbeddings.vocab))
    assert stored[0] == pytest.approx(_WordEmbeddings()._one(chunks[0].page_content))
    assert not vectors.setting_vectors_cached(40, 0, "use", chunks)  # another embedder


def test_the_vectors_cache_key_includes_setting_embedder_and_chunks(toy_sweep):
    chunks = split_documents(toy_sweep, 40, 0)
    inputs = vectors.setting_inputs(40, 0, "minilm", chunks)
    assert inputs["setting"] == [40, 0] and inputs["embedder"] == "minilm"
    keys = {
        cache_key(vectors.setting_inputs(size, overlap, name, c))
        for size, overlap, name, c in (
            (40, 0, "minilm", chunks), (40, 10, "minilm", chunks),  # same chunks, other setting
            (40, 0, "use", chunks), (40, 0, "minilm", chunks[:-1]),
        )
    }
    assert len(keys) == 4


RANKS = [  # fusion_ranks rows at alphas 0 (BM25), 0.5, 1 (dense)
    {"id": "q1", "script": "ko", "ranks": [1, 1, 3]},
    {"id": "q2", "script": "ko", "ranks": [1, 2, 0]},
    {"id": "q3", "script": "ko", "ranks": [2, 1, 1]},
    {"id": "q4", "script": "ko", "ranks": [0, 6, 1]},
    {"id": "q5", "script": "en", "ranks": [4, 1, 1]},
]


def test_rank_sweep_matches_the_relevance_metrics():
    sweep = fusion.rank_sweep(RANKS, alphas=(0.0, 0.5, 1.0))
    ko = {r["alpha"]: r for r in sweep if r["script"] == "ko"}
    assert ko[0.0]["n"] == 4
    assert ko[0.0]["hit@1"] == 0.5 and ko[0.0]["hit@5"] == 0.75
    assert ko[0.5]["hit@5"] == 0.75  # rank 6 is outside the top 5
    assert ko[0.5]["MRR"] == round((1 + 0.5 + 1 + 1 / 6) / 4, 3)
    # the same as summarize() over relevance rows that put the first relevant chunk there
    rows = [[i + 1 == r for i in range(10)] for r in (1, 2, 1, 6)]
    assert sweeps.summarize(rows) == {k: ko[0.5][k] for k in ("hit@1", "hit@5", "MRR")}
    assert fusion.choose_alpha(sweep) == {"en": 0.5, "ko": 0.5}


def test_compare_fused_and_the_criterion():
    table = fusion.compare_fused(RANKS, {"ko": 0.5, "en": 0.5}, alphas=(0.0, 0.5, 1.0))
    ko = table["ko"]
    assert ko["n"] == 4 and ko["metrics"]["BM25"]["hit@1"] == 0.5
    assert ko["BM25"]["hit@1"]["only fused"] == 1 and ko["BM25"]["hit@1"]["only BM25"] == 1
    assert ko["BM25"]["hit@1"]["p"] == 1.0
    assert ko["dense"]["hit@5"]["only fused"] == 1 and ko["dense"]["hit@5"]["p"] == 1.0
    assert fusion.fusion_criterion(table) == {"en": [], "ko": []}
    # a fused retriever that loses hit@5 to BM25 fails the criterion, significant or not
    lost = [{"id": "a", "script": "ko", "ranks": [1, 1, 0]},
            {"id": "b", "script": "ko", "ranks": [2, 2, 2]}]
    worse = fusion.compare_fused(lost, {"ko": 1.0}, alphas=(0.0, 0.5, 1.0))
    assert fusion.fusion_criterion(worse) == {"ko": ["hit@5 0.500 below BM25's 1.000"]}
    many = [{"id": str(i), "script": "ko", "ranks": [1, 0, 0]} for i in range(6)]
    failed = fusion.fusion_criterion(
        fusion.compare_fused(many, {"ko": 0.5}, alphas=(0.0, 0.5, 1.0)))
    assert "BM25 alone better at hit@1 (p = 0.031)" in failed["ko"]
    # the recommendation keeps the dev choice where the criterion holds on every test set
    assert fusion.recommend_alpha({"en": 0.7, "ko": 0.4}, [{"en": [], "ko": []}, failed]) == {
        "en": 0.7, "ko": 0.0}
    assert fusion.recommend_alpha({"ko": 0.4}, [{"ko": []}]) == {"ko": 0.4}


@pytest.mark.caches
def test_the_cached_course_retriever_retrieves_as_the_course_retriever():
    # Notebooks 12 and 13 retrieve through cached vectors; they must see what the course sees.
    from helpers.questions.course import load_questions
    from helpers.retrieval.course import course_retriever

    questions = [q["question"] for q in load_questions()][::12]  # both languages, every kind
    cached, live = vectors.cached_course_retriever(questions), course_retriever()
    for question in questions:
        ids = [[d.metadata["chunk_id"] for d in r.invoke(question)] for r in (cached, live)]
        assert ids[0] == ids[1], question


@pytest.mark.caches
def test_cached_embeddings_are_the_models_vectors():
    import numpy as np

    from helpers.index.chroma import embedder_for

    texts = ["How much does a Maker membership cost?", "한국어 안전 교육은 언제 있나요?"]
    for name in ("minilm", "use"):
        stored = vectors.question_vectors(name, texts)
        model = embedder_for(name)
        for text in texts:
            assert np.allclose(stored[text], model.embed_query(text), atol=1e-6), (name, text)


@pytest.mark.caches
def test_the_candidates_key_names_each_stores_real_embedder():
    # A retriever whose Korean side embeds with MiniLM must not reuse the course's cached ranks.
    from helpers.retrieval.course import course_retriever

    course = course_retriever()
    minilm_for_korean = course.model_copy(
        update={"stores": {**course.stores, "ko": course.stores["en"]}}
    )
    key = fusion.retriever_inputs(course)
    assert key == fusion.retriever_inputs(course_retriever())
    assert key["dense"]["ko"] != fusion.retriever_inputs(minilm_for_korean)["dense"]["ko"]
