"""Evaluate retrieval on the course question set, and the chunk-size sweep of notebook 08.

The sweep embeds the corpus once per chunk setting (about a minute each on 2 cores), so it runs
once — ``python -m helpers.evaluation``, part of ``make index`` — and is cached as JSON
(:func:`helpers.cache.cached_json`, keyed on the question file, the split, the sweep and the index).
The chunks' vectors are kept too (:func:`setting_vectors`: one cache folder per setting and
embedder, MiniLM and USE), so notebook 10's playground retrieves at every chunk setting without
embedding anything.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document

from helpers.corpus import (
    CHUNK_OVERLAP,
    CHUNK_SIZE,
    corpus_chunks,
    load_corpus,
    load_questions,
    split_documents,
)
from helpers.metrics import (
    count_relevant,
    hit_at_k,
    mean,
    ndcg_at_k,
    reciprocal_rank,
    relevance,
)

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
    from helpers.corpus import data_path
    from helpers.index import fingerprint

    inputs = {
        "questions": file_digest(data_path("questions.jsonl")),
        "split": split,
        "sweep": SWEEP,
        "k": k,
        "index": fingerprint(),
    }
    return cached_json("sweep", inputs, lambda: _chunk_sweep(k, split))


def _chunk_sweep(k: int, split: str | None) -> list[dict[str, Any]]:
    from helpers.models import get_embeddings

    embeddings = get_embeddings()
    docs, questions = load_corpus(), load_questions()
    asked = [q for q in questions if q["answerable"] and split in (None, q.get("split"))]
    Q = np.array(embeddings.embed_documents([q["question"] for q in asked]))
    rows = []
    for size, overlap in SWEEP:
        start = time.perf_counter()
        chunks = split_documents(docs, size, overlap)
        if (size, overlap) == (CHUNK_SIZE, CHUNK_OVERLAP):  # the course index has these vectors
            from helpers.index import corpus_vectors

            ids, vectors, _, _ = corpus_vectors()
            where = {cid: i for i, cid in enumerate(ids)}
            V = vectors[[where[c.metadata["chunk_id"]] for c in chunks]]
        else:  # embedded once and kept for notebook 10's playground
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


def setting_inputs(
    chunk_size: int, chunk_overlap: int, embedder: str, chunks: list[Document]
) -> dict[str, Any]:
    """Return what the vectors of one chunk setting depend on (their cache key): the corpus
    files and the loaders (the index fingerprint), the setting, the embedder and the chunks."""
    import hashlib

    from helpers.index import fingerprint

    return {
        "index": fingerprint(chunk_size, chunk_overlap, embedder),  # type: ignore[arg-type]
        "setting": [chunk_size, chunk_overlap],
        "embedder": embedder,
        "chunks": hashlib.sha256(
            "\0".join(c.metadata["chunk_id"] + c.page_content for c in chunks).encode()
        ).hexdigest(),
    }


def setting_vectors(
    chunk_size: int, chunk_overlap: int, embedder: str = "minilm",
    chunks: list[Document] | None = None,
) -> np.ndarray:
    """Return the vectors of the corpus chunks of one setting (one row per chunk, in order),
    embedded once with ``embedder`` ("minilm" or "use") and kept in the cache.

    ``chunks`` are the setting's chunks (default: split here). The folder holds ``vectors.npy``
    and ``ids.json``, written together and renamed into place (:func:`helpers.cache.cached_dir`).
    """
    import json

    from helpers.cache import cached_dir

    if chunks is None:
        chunks = split_documents(load_corpus(), chunk_size, chunk_overlap)
    ids = [c.metadata["chunk_id"] for c in chunks]

    def build(folder: Path) -> None:
        from helpers.index import embedder_for

        vectors = embedder_for(embedder).embed_documents(  # type: ignore[arg-type]
            [c.page_content for c in chunks]
        )
        np.save(folder / "vectors.npy", np.asarray(vectors, dtype=np.float32))
        (folder / "ids.json").write_text(json.dumps(ids), encoding="utf-8")

    folder = cached_dir(
        "chunk-vectors", setting_inputs(chunk_size, chunk_overlap, embedder, chunks), build
    )
    if json.loads((folder / "ids.json").read_text(encoding="utf-8")) != ids:
        raise RuntimeError(f"{folder.name}: stored ids differ from the chunks (a hash clash?)")
    return np.load(folder / "vectors.npy", allow_pickle=False)


def setting_vectors_cached(
    chunk_size: int, chunk_overlap: int, embedder: str, chunks: list[Document]
) -> bool:
    """Return True when :func:`setting_vectors` would read these vectors from the cache."""
    from helpers.cache import dir_path

    return dir_path(
        "chunk-vectors", setting_inputs(chunk_size, chunk_overlap, embedder, chunks)
    ).is_dir()


def main() -> int:
    """Compute (or reopen) the chunk-size sweep, and the vectors of every setting but the course
    index's for both dense embedders (notebook 10's playground); print how long each took."""
    start = time.perf_counter()
    rows = chunk_sweep()
    print(f"chunk sweep ready ({len(rows)} settings) in {time.perf_counter() - start:.1f} s")
    from helpers.pipeline import DENSE

    docs = load_corpus()
    for embedder in dict.fromkeys(DENSE.values()):  # MiniLM (English questions), USE (Korean)
        start = time.perf_counter()
        for size, overlap in SWEEP:
            if (size, overlap) != (CHUNK_SIZE, CHUNK_OVERLAP):  # those are the course index's
                setting_vectors(size, overlap, embedder, split_documents(docs, size, overlap))
        print(f"chunk vectors ({embedder}) of {len(SWEEP) - 1} settings ready in "
              f"{time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# --- the course retriever: options and fusion weights chosen on dev (notebook 08) -------------


def split_questions(
    questions: Iterable[dict[str, Any]], split: str, lang: str | None = None
) -> list[dict[str, Any]]:
    """Return the answerable questions of ``split`` ("dev"/"test"), of one language if given."""
    return [
        q
        for q in questions
        if q["answerable"] and q.get("split") == split and (lang is None or q["lang"] == lang)
    ]


def summarize(rows: list[list[bool]], k: int = 5) -> dict[str, float]:
    """Return hit@1, hit@k and MRR (over the first 10) of relevance rows, rounded to 3 places."""
    return {
        "hit@1": round(mean(hit_at_k(r, 1) for r in rows), 3),
        f"hit@{k}": round(mean(hit_at_k(r, k) for r in rows), 3),
        "MRR": round(mean(reciprocal_rank(r[:10]) for r in rows), 3),
    }


def alpha_sweep(
    retriever: Any, questions: list[dict[str, Any]], alphas: Iterable[float], k: int = 5
) -> list[dict[str, Any]]:
    """Return hit@1/hit@k/MRR of the hybrid retriever for each ``alpha``, per question script.

    The dense and BM25 candidates are fetched once per question, then fused for every alpha
    (``helpers.pipeline.fuse``): alpha 0 is BM25 alone, alpha 1 the dense retriever alone.
    """
    from helpers.pipeline import fuse

    parts = [(q, *retriever.components(q["question"])) for q in questions]
    out = []
    for script in sorted({p[1] for p in parts}):
        for alpha in alphas:
            rows = [
                relevance([d for d, _ in fuse(dense, sparse, alpha, 10)], q["gold"])
                for q, s, dense, sparse in parts
                if s == script
            ]
            out.append({"script": script, "alpha": alpha, "n": len(rows), **summarize(rows, k)})
    return out


def choose_alpha(sweep: list[dict[str, Any]]) -> dict[str, float]:
    """Return, per script, the alpha with the best MRR (ties: better hit@5, then smaller alpha)."""
    best: dict[str, dict[str, Any]] = {}
    for row in sweep:
        key = (row["MRR"], row["hit@5"], -row["alpha"])
        current = best.get(row["script"])
        if current is None or key > (current["MRR"], current["hit@5"], -current["alpha"]):
            best[row["script"]] = row
    return {script: row["alpha"] for script, row in sorted(best.items())}
