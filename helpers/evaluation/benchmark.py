"""The course retriever on the TyDi QA benchmark, and every question set of the fusion check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from helpers.evaluation.fusion import (
    choose_alpha,
    compare_fused,
    fusion_criterion,
    fusion_ranks,
    rank_sweep,
    recommend_alpha,
)
from helpers.index.vectors import ExactStore, _wider_vectors, cached_embedders
from helpers.questions.course import split_questions
from helpers.retrieval.bm25 import BM25Retriever
from helpers.retrieval.hybrid import ALPHA, DENSE, HybridRetriever

if TYPE_CHECKING:
    pass
from helpers.documents.splitting import split_documents
from helpers.questions.course import load_questions


def external_retriever(
    k: int = 5, alpha: dict[str, float] | None = None, wider_dev: bool = False
) -> HybridRetriever:
    """Return the course's retriever, with the same settings, over the external benchmark's
    passages (:mod:`helpers.questions.tydi`; chunked 500/50, indexed once).

    ``wider_dev=True``: over the passages of ``load_external(wider_dev=True)`` too (searched
    exactly, :class:`ExactStore`); only the added chunks are embedded, once, and cached.
    """
    from helpers.index.chroma import documents_index, embedder_for
    from helpers.questions.tydi import load_external

    chunks = split_documents(load_external()[0])
    stores: dict[str, Any] = {
        script: documents_index("external", chunks, name) for script, name in DENSE.items()
    }
    if wider_dev:
        wider = split_documents(load_external(wider_dev=True)[0])
        for script, name in DENSE.items():
            got = stores[script].get(include=["embeddings"])
            vectors = dict(zip(got["ids"], got["embeddings"], strict=True))
            vectors.update(_wider_vectors(wider, set(vectors), name))
            stores[script] = ExactStore(
                wider, [vectors[c.metadata["chunk_id"]] for c in wider], embedder_for(name)
            )
        chunks = wider
    bm25 = BM25Retriever.from_documents(chunks, k=k)
    return HybridRetriever(bm25=bm25, stores=stores, alpha=alpha or ALPHA, k=k)


#: The question sets of issue 26's fusion check (:func:`fusion_sets`): the large dev set is the
#: first four, the criterion is checked on the two test sets after them.
DEV_SETS = ("course dev", "TyDi dev half", "TyDi dev, other", "TyDi train")

TEST_SETS = ("course test", "TyDi test")


def fusion_sets() -> dict[str, list[dict[str, Any]]]:
    """Return the :func:`fusion_ranks` rows of every question set of the fusion check: the
    course's dev and test questions (course retriever), TyDi's dev half, its other dev and its
    train questions (over the wider passage set) and its test half (over its own passages, and as
    "TyDi test, wider passages" over the wider set). Cached: seconds once computed."""
    from helpers.questions.tydi import load_external
    from helpers.retrieval.course import course_retriever

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
