"""Retrieval evaluated on the course questions, and notebook 12's chunk-size sweep (run once by
``make index``, cached as JSON).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from langchain_core.documents import Document

from helpers.documents.loaders import load_corpus
from helpers.documents.splitting import CHUNK_OVERLAP, CHUNK_SIZE, split_documents
from helpers.evaluation.metrics import (
    count_relevant,
    hit_at_k,
    mean,
    ndcg_at_k,
    reciprocal_rank,
    relevance,
)
from helpers.index.chroma import corpus_chunks
from helpers.index.vectors import setting_vectors
from helpers.questions.course import load_questions

#: Chunk settings of the sweep: (chunk_size, chunk_overlap).
SWEEP = ((250, 25), (500, 0), (500, 50), (500, 100), (800, 80), (1000, 100))


def evaluate(
    retrieve: Callable[[str], list[Document]],
    questions: Iterable[dict[str, Any]],
    k: int = 5,
    corpus: list[Document] | None = None,
) -> dict[str, float]:
    """Return hit rate@k, MRR and nDCG@k of ``retrieve`` over the answerable ``questions``.

    nDCG's ideal ranking counts the relevant chunks of the whole ``corpus`` (default: the
    course's chunks, 500/50).
    """
    chunks = corpus if corpus is not None else corpus_chunks()
    asked = [q for q in questions if q["answerable"]]
    rows = [relevance(retrieve(q["question"]), q["gold"]) for q in asked]
    ideal = [count_relevant(chunks, q["gold"]) for q in asked]
    return {
        f"hit@{k}": round(mean(hit_at_k(r, k) for r in rows), 3),
        "MRR": round(mean(reciprocal_rank(r[:k]) for r in rows), 3),
        f"nDCG@{k}": round(mean(ndcg_at_k(r, k, n) for r, n in zip(rows, ideal, strict=True)), 3),
    }


def chunk_sweep(k: int = 5, split: str | None = "dev") -> list[dict[str, Any]]:
    """Return retrieval metrics (dense, exact cosine) for every chunk setting of :data:`SWEEP`,
    over the answerable questions of ``split`` (all of them, both languages, when None).

    Computed once per question file, split, sweep and course index (:mod:`helpers.cache`).
    """
    from helpers.cache import cached_json, file_digest
    from helpers.documents.files import data_path
    from helpers.index.chroma import fingerprint

    inputs = {
        "questions": file_digest(data_path("questions.jsonl")),
        "split": split,
        "sweep": SWEEP,
        "k": k,
        "index": fingerprint(),
    }
    return cached_json("sweep", inputs, lambda: _chunk_sweep(k, split))


def _chunk_sweep(k: int, split: str | None) -> list[dict[str, Any]]:
    from helpers.embeddings.minilm import get_embeddings

    embeddings = get_embeddings()
    docs, questions = load_corpus(), load_questions()
    asked = [q for q in questions if q["answerable"] and split in (None, q.get("split"))]
    Q = np.array(embeddings.embed_documents([q["question"] for q in asked]))
    rows = []
    for size, overlap in SWEEP:
        start = time.perf_counter()
        chunks = split_documents(docs, size, overlap)
        if (size, overlap) == (CHUNK_SIZE, CHUNK_OVERLAP):  # the course index has these vectors
            from helpers.index.chroma import corpus_vectors

            ids, vectors, _, _ = corpus_vectors()
            where = {cid: i for i, cid in enumerate(ids)}
            V = vectors[[where[c.metadata["chunk_id"]] for c in chunks]]
        else:  # embedded once and kept for notebook 15's playground
            V = setting_vectors(size, overlap, "minilm", chunks)

        def retrieve_by_index(i: int, V: np.ndarray = V, chunks: list[Document] = chunks) -> list:
            return [chunks[j] for j in np.argsort(-(V @ Q[i]), kind="stable")[:k]]

        rels = [relevance(retrieve_by_index(i), q["gold"]) for i, q in enumerate(asked)]
        by_lang = {
            f"hit@{k} {lang}": round(
                mean(hit_at_k(r, k) for r, q in zip(rels, asked, strict=True) if q["lang"] == lang),
                3,
            )
            for lang in ("en", "ko")
        }
        rows.append({
            "chunk_size": size, "chunk_overlap": overlap, "chunks": len(chunks),
            "questions": len(asked),
            f"hit@{k}": round(mean(hit_at_k(r, k) for r in rels), 3),
            "MRR": round(mean(reciprocal_rank(r) for r in rels), 3),
            **by_lang,
            "seconds": round(time.perf_counter() - start, 1),
        })
    return rows


def summarize(rows: list[list[bool]], k: int = 5) -> dict[str, float]:
    """Return hit@1, hit@k and MRR (over the first 10) of relevance rows, rounded to 3 places."""
    return {
        "hit@1": round(mean(hit_at_k(r, 1) for r in rows), 3),
        f"hit@{k}": round(mean(hit_at_k(r, k) for r in rows), 3),
        "MRR": round(mean(reciprocal_rank(r[:10]) for r in rows), 3),
    }
