"""Keyword retrieval: BM25 (via ``bm25s``) behind LangChain's ``BaseRetriever`` interface.

``langchain-community``'s ``BM25Retriever`` is sunset; this is the same idea in a few lines.
The tokenizer keeps Latin words and cuts Hangul into character bigrams
(:func:`helpers.documents.hangul.hangul_bigrams`), because Korean particles glue onto words
("패키지를", "패키지는") and defeat whole-word matching.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from types import ModuleType

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from helpers.documents.hangul import hangul_bigrams


def _import_bm25s() -> ModuleType:
    """Import ``bm25s`` without numba. bm25s imports numba whenever it is installed (umap-learn
    installs it), although :class:`BM25Retriever` uses its numpy backend; numba would cost every
    kernel that retrieves about 60 MB (Binder allows about 2 GB) and 0.3 s. A later
    ``import numba`` (UMAP) works as usual."""
    if "numba" in sys.modules:  # already paid for
        return importlib.import_module("bm25s")
    sys.modules["numba"] = None  # type: ignore[assignment]  # makes `import numba` fail
    try:
        return importlib.import_module("bm25s")
    finally:
        del sys.modules["numba"]


bm25s = _import_bm25s()


_TOKEN = re.compile(r"[a-z0-9]+|[\uac00-\ud7a3]+")


def tokenize(text: str) -> list[str]:
    """Return lower-case Latin words and Hangul character bigrams."""
    tokens: list[str] = []
    for run in _TOKEN.findall(text.lower()):
        if "\uac00" <= run[0] <= "\ud7a3":
            tokens.extend(hangul_bigrams(run))
        else:
            tokens.append(run)
    return tokens


class BM25Retriever(BaseRetriever):
    """Return the ``k`` documents with the highest BM25 score for the query."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    docs: list[Document]
    index: bm25s.BM25
    k: int = 5
    tokenizer: Callable[[str], list[str]] = tokenize

    @classmethod
    def from_documents(
        cls, docs: list[Document], k: int = 5, tokenizer: Callable[[str], list[str]] = tokenize
    ) -> BM25Retriever:
        """Return a retriever over ``docs`` (the BM25 index is built here, in memory)."""
        index = bm25s.BM25()
        index.index([tokenizer(d.page_content) or [""] for d in docs], show_progress=False)
        return cls(docs=list(docs), index=index, k=k, tokenizer=tokenizer)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [doc for doc, _ in self.scores(query)]

    def scores(self, query: str, k: int | None = None) -> list[tuple[Document, float]]:
        """Return up to ``k`` (default ``self.k``) ``(document, BM25 score)`` pairs, best first,
        leaving out documents that share no term with the query."""
        tokens = self.tokenizer(query)
        if not tokens:  # no word at all ("- ", punctuation): nothing can share a term with it
            return []
        n = min(k or self.k, len(self.docs))
        ids, scores = self.index.retrieve([tokens], k=n, show_progress=False)
        pairs = zip(ids[0], scores[0], strict=True)
        return [(self.docs[int(i)], float(s)) for i, s in pairs if s > 0]
