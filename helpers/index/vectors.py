"""Vectors kept in the cache, so that nothing is embedded twice: the chunks of every chunk setting
(notebooks 12, 15), questions and documents per embedder, embeddings that answer from the cache,
the course retriever over them, and exact search over stored vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from helpers.documents.loaders import load_corpus
from helpers.documents.splitting import CHUNK_OVERLAP, CHUNK_SIZE, split_documents
from helpers.questions.course import load_questions
from helpers.retrieval.bm25 import BM25Retriever

if TYPE_CHECKING:
    from langchain_chroma import Chroma
if TYPE_CHECKING:
    from langchain_chroma import Chroma



def setting_inputs(
    chunk_size: int, chunk_overlap: int, embedder: str, chunks: list[Document]
) -> dict[str, Any]:
    """Return what the vectors of one chunk setting depend on (their cache key): the corpus
    files and the loaders (the index fingerprint), the setting, the embedder and the chunks."""
    import hashlib

    from helpers.index.chroma import fingerprint

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
        from helpers.index.chroma import embedder_for

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


def stored_vectors(
    embedder: str, kind: str, texts: list[str], compute: Callable[[list[str]], list[list[float]]]
) -> np.ndarray:
    """Return ``compute(texts)`` as an array (one row per text), computed once per embedder,
    kind ("queries" or "documents") and list of texts, and kept in the cache."""
    import hashlib
    import json

    from helpers.cache import cached_dir
    from helpers.index.chroma import embedder_id

    def build(folder: Path) -> None:
        np.save(folder / "vectors.npy", np.asarray(compute(texts), dtype=np.float64))
        (folder / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), "utf-8")

    inputs = {"embedder": embedder_id(embedder), "kind": kind,  # type: ignore[arg-type]
              "texts": hashlib.sha256("\0".join(texts).encode()).hexdigest()}
    folder = cached_dir("embedding-vectors", inputs, build)
    if json.loads((folder / "texts.json").read_text("utf-8")) != texts:
        raise RuntimeError(f"{folder.name}: stored texts differ from these (a hash clash?)")
    return np.load(folder / "vectors.npy", allow_pickle=False)


def question_vectors(embedder: str, texts: Iterable[str] | None = None) -> dict[str, list[float]]:
    """Return each text's query vector by ``embedder`` ("minilm" or "use"; default texts: every
    course question), from ``embed_query`` one text at a time -- exactly what a retriever
    computes -- done once and kept in the cache (keyed on the embedder and the texts)."""
    from helpers.index.chroma import embedder_for

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
    ``helpers.index.chroma.embedder_for``) is loaded only for what the cache does not hold yet."""

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
            from helpers.index import chroma

            self._base = (self.factory or chroma.embedder_for)(self.embedder)  # type: ignore[arg-type]
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
    """Within the block, ``helpers.index.chroma.embedder_for`` hands out :class:`CachedEmbeddings`:
    retrievers and indexes built there keep every vector they compute in the cache, and a re-run
    whose vectors are all there loads no embedding model."""
    from helpers.index import chroma

    real = chroma.embedder_for

    def cached(embedder: str = "minilm") -> Embeddings:
        if embedder not in ("minilm", "use"):
            return real(embedder)  # type: ignore[arg-type]  # raises the usual error
        return CachedEmbeddings(embedder, factory=real)  # type: ignore[arg-type]

    chroma.embedder_for = cached  # type: ignore[assignment]
    try:
        yield
    finally:
        chroma.embedder_for = real


def course_stores(texts: Iterable[str] | None = None) -> dict[str, Any]:
    """Return the course's two Chroma indexes, ``{"minilm": ..., "use": ...}``, whose query
    vectors for ``texts`` (default: every course question) come from :func:`question_vectors`:
    the same searches as ``course_index(embedder=...)``, without embedding a question twice."""
    from langchain_chroma import Chroma

    from helpers.index.chroma import COLLECTION, build_index, chroma_client, index_dir, is_built

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
    """Return the course retriever (``helpers.retrieval.course.course_retriever(k, alpha)``: the
    same chunks, BM25 and settings) over :func:`course_stores`, so the course questions' vectors are
    read from the cache and no embedding model is loaded for them."""
    from helpers.index.chroma import index_documents
    from helpers.retrieval.hybrid import ALPHA, DENSE, HybridRetriever

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

    from helpers.index.chroma import COLLECTION, build_index, chroma_client, index_dir, is_built

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


class ExactStore:
    """Exact cosine search over stored vectors, answering like Chroma's
    ``similarity_search_with_score`` (cosine *distance*), for :class:`HybridRetriever`."""

    def __init__(self, docs: list[Document], vectors: Any, embeddings: Any) -> None:
        import numpy as np

        self.docs, self.embeddings = docs, embeddings
        matrix = np.asarray(vectors, dtype=np.float32)
        self.vectors = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    def similarity_search_with_score(self, query: str, k: int = 4) -> list[tuple[Document, float]]:
        """Return the ``k`` nearest documents with their cosine distance, nearest first."""
        import numpy as np

        v = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        sims = self.vectors @ (v / np.linalg.norm(v))
        order = np.argsort(-sims, kind="stable")[:k]
        return [(self.docs[i], 1.0 - float(sims[i])) for i in order]


def _wider_vectors(chunks: list[Document], known: set[str], name: str) -> Any:
    """Return the vectors of ``chunks`` for embedder ``name``: those with an id in the
    benchmark's persisted index (``known``) read from it, the others embedded once and cached."""
    import hashlib
    import json

    import numpy as np

    from helpers.cache import cached_dir
    from helpers.index.chroma import embedder_for, embedder_id

    new = [c for c in chunks if c.metadata["chunk_id"] not in known]

    def build(folder: Any) -> None:
        vectors = embedder_for(name).embed_documents([c.page_content for c in new])  # type: ignore[arg-type]
        np.save(folder / "vectors.npy", np.asarray(vectors, dtype=np.float32))
        (folder / "ids.json").write_text(json.dumps([c.metadata["chunk_id"] for c in new]))

    inputs = {"embedder": embedder_id(name), "chunks": hashlib.sha256(  # type: ignore[arg-type]
        "\0".join(c.metadata["chunk_id"] + c.page_content for c in new).encode()).hexdigest()}
    folder = cached_dir("external-dev-vectors", inputs, build)
    return dict(zip(json.loads((folder / "ids.json").read_text()),
                    np.load(folder / "vectors.npy", allow_pickle=False), strict=True))


def store_vectors(store: Chroma) -> dict[str, np.ndarray]:
    """Return ``{chunk id: unit vector}`` of every chunk stored in a Chroma index."""
    got = store.get(include=["embeddings"])
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return dict(zip(got["ids"], vectors, strict=True))
