"""The course's retrievers: the hybrid over the course indexes, over your own chunks, and the
seed's MMR retriever beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from helpers.index.chroma import index_documents
from helpers.retrieval.bm25 import BM25Retriever
from helpers.retrieval.hybrid import ALPHA, DENSE, HybridRetriever

if TYPE_CHECKING:
    pass


@lru_cache(maxsize=4)
def course_bm25(k: int = 5) -> BM25Retriever:
    """Return BM25 over the chunks of the course index (built in memory, under a second)."""
    from helpers.index.chroma import course_index

    return BM25Retriever.from_documents(index_documents(course_index()), k=k)


def course_retriever(k: int = 5, alpha: dict[str, float] | None = None) -> HybridRetriever:
    """Return the course's recommended retriever (see the module docstring)."""
    from helpers.index.chroma import course_index

    stores = {script: course_index(embedder=name) for script, name in DENSE.items()}
    return HybridRetriever(bm25=course_bm25(), stores=stores, alpha=alpha or ALPHA, k=k)


def seed_retriever() -> BaseRetriever:
    """Return the seed note's retriever: MMR (k=5, fetch_k=50) over the MiniLM index."""
    from helpers.index.chroma import course_index

    return course_index().as_retriever(search_type="mmr", search_kwargs={"k": 5, "fetch_k": 50})


def documents_retriever(
    chunks: list[Document], k: int = 5, progress: Callable[[str], None] | None = print
) -> HybridRetriever:
    """Return the course's retriever over your own ``chunks``, in memory (nothing is cached).

    Embeds in batches of 64 with each embedder and reports progress through ``progress``.
    """
    import uuid

    from helpers.index.chroma import embedder_for, new_collection

    stores = {}
    for script, name in DENSE.items():
        store = new_collection(f"yours-{name}-{uuid.uuid4().hex[:8]}", embedder_for(name))  # type: ignore[arg-type]
        for start in range(0, len(chunks), 64):
            batch = chunks[start : start + 64]
            store.add_documents(batch, ids=[c.metadata["chunk_id"] for c in batch])
            if progress:
                progress(f"{name}: embedded {start + len(batch)} of {len(chunks)} chunks")
        stores[script] = store
    bm25 = BM25Retriever.from_documents(chunks, k=k)
    return HybridRetriever(bm25=bm25, stores=stores, alpha=ALPHA, k=k)
