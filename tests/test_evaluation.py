"""Tests of helpers.evaluation: the dev/test split, choosing alpha, the cached chunk sweep."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from helpers import evaluation
from helpers.cache import cache_key

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
    assert [q["id"] for q in evaluation.split_questions(QUESTIONS, "dev")] == ["a", "b"]
    assert [q["id"] for q in evaluation.split_questions(QUESTIONS, "dev", "en")] == ["a"]
    assert [q["id"] for q in evaluation.split_questions(QUESTIONS, "test")] == ["c"]


def test_choose_alpha_best_mrr_then_hit5_then_smaller_alpha():
    rows = [
        {"script": "en", "alpha": 0.2, "MRR": 0.5, "hit@5": 0.8},
        {"script": "en", "alpha": 0.6, "MRR": 0.7, "hit@5": 0.8},
        {"script": "en", "alpha": 0.8, "MRR": 0.7, "hit@5": 0.9},
        {"script": "ko", "alpha": 0.3, "MRR": 0.6, "hit@5": 0.9},
        {"script": "ko", "alpha": 0.5, "MRR": 0.6, "hit@5": 0.9},
    ]
    assert evaluation.choose_alpha(rows) == {"en": 0.8, "ko": 0.3}


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
    import helpers.index
    import helpers.models

    monkeypatch.setenv("RAG_COURSE_CACHE_DIR", str(tmp_path))
    docs = [Document(page_content="a red apple. " * 3 + "a green pear. " * 3 + "a blue plum.",
                     metadata={"source": "x.txt", "page": None})]
    monkeypatch.setattr(evaluation, "SWEEP", ((40, 0),))
    monkeypatch.setattr(evaluation, "load_corpus", lambda: docs)
    monkeypatch.setattr(evaluation, "load_questions", lambda: QUESTIONS)
    monkeypatch.setattr(helpers.models, "get_embeddings", lambda: _WordEmbeddings())
    monkeypatch.setattr(helpers.index, "embedder_for", lambda name="minilm": _WordEmbeddings())
    monkeypatch.setattr(helpers.index, "fingerprint", lambda *args, **kwargs: "toy")
    return docs


def test_chunk_sweep_uses_the_split_and_is_cached(toy_sweep, monkeypatch):
    dev = evaluation.chunk_sweep(k=1)
    assert dev[0]["questions"] == 2  # the answerable dev questions only
    assert dev[0]["hit@1"] == 1.0
    assert dev[0]["hit@1 en"] == 1.0 and dev[0]["hit@1 ko"] == 1.0
    assert evaluation.chunk_sweep(k=1, split="test")[0]["questions"] == 1
    assert evaluation.chunk_sweep(k=1, split=None)[0]["questions"] == 3

    def fail(*args, **kwargs):
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(evaluation, "_chunk_sweep", fail)
    assert evaluation.chunk_sweep(k=1) == dev  # same inputs: read from the cache
    with pytest.raises(AssertionError, match="recomputed"):
        evaluation.chunk_sweep(k=2)  # another setting: another cache entry


def test_sweep_keeps_the_vectors_once_per_setting_and_embedder(toy_sweep, monkeypatch):
    chunks = evaluation.split_documents(toy_sweep, 40, 0)
    calls = []
    original = _WordEmbeddings.embed_documents

    def counting(self, texts):
        calls.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(_WordEmbeddings, "embed_documents", counting)
    evaluation.chunk_sweep(k=1)  # embeds the questions, then the chunks of 40/0 (kept)
    assert calls == [2, len(chunks)]
    assert evaluation.setting_vectors_cached(40, 0, "minilm", chunks)
    vectors = evaluation.setting_vectors(40, 0, "minilm", chunks)  # read back: no embedding
    assert calls == [2, len(chunks)]
    assert vectors.shape == (len(chunks), len(_WordEmbeddings.vocab))
    assert vectors[0] == pytest.approx(_WordEmbeddings()._one(chunks[0].page_content))
    assert not evaluation.setting_vectors_cached(40, 0, "use", chunks)  # another embedder


def test_the_vectors_cache_key_includes_setting_embedder_and_chunks(toy_sweep):
    chunks = evaluation.split_documents(toy_sweep, 40, 0)
    inputs = evaluation.setting_inputs(40, 0, "minilm", chunks)
    assert inputs["setting"] == [40, 0] and inputs["embedder"] == "minilm"
    keys = {
        cache_key(evaluation.setting_inputs(size, overlap, name, c))
        for size, overlap, name, c in (
            (40, 0, "minilm", chunks), (40, 10, "minilm", chunks),  # same chunks, other setting
            (40, 0, "use", chunks), (40, 0, "minilm", chunks[:-1]),
        )
    }
    assert len(keys) == 4
