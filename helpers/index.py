"""The persisted Chroma index of the course corpus: built once, reopened by every later notebook.

The index lives in ``<cache>/index/<fingerprint>``; the fingerprint hashes the corpus files, the
chunk setting and the embedding model, so changing any of them builds a fresh index instead of
mixing old and new vectors. Chunk ids are stable (:func:`helpers.corpus.chunk_id`), so adding
the same chunks again never creates duplicates. Run ``python -m helpers.index`` to build it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.corpus import (
    CHUNK_OVERLAP,
    CHUNK_SIZE,
    CORPUS_FILES,
    CourseDataError,
    corpus_chunks,
    data_path,
)
from helpers.models import get_embeddings, quiet_libraries
from helpers.settings import get_settings, relative

if TYPE_CHECKING:
    import chromadb
    from langchain_chroma import Chroma

COLLECTION = "course"
#: Bump when the way chunks are made changes (cleaning, metadata), to force a rebuild.
INDEX_VERSION = 3


def fingerprint(chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> str:
    """Return a short hash of everything the index depends on."""
    h = hashlib.sha256(f"v{INDEX_VERSION}|{chunk_size}|{chunk_overlap}|".encode())
    h.update(get_settings().embedding_model.encode())
    for name in CORPUS_FILES:
        path = data_path(name)
        if not path.is_file():
            raise CourseDataError(f"data/{name} is missing: restore it (git checkout data/).")
        h.update(name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def index_dir(chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> Path:
    """Return the folder of the persisted index for this corpus, chunking and model."""
    return get_settings().cache_dir / "index" / fingerprint(chunk_size, chunk_overlap)


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


def is_built(chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> bool:
    """Return True when the persisted index for this setting exists and was built completely."""
    try:
        return _done_marker(index_dir(chunk_size, chunk_overlap)).exists()
    except CourseDataError:
        return False


def build_index(
    chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP, show_progress: bool = True
) -> Chroma:
    """Embed the corpus chunks into a fresh persisted collection and return it."""
    from langchain_chroma import Chroma

    folder = index_dir(chunk_size, chunk_overlap)
    # Build in a private folder and rename it at the end, so that two processes building at
    # once never delete each other's work, and a half-built index is never opened.
    building = folder.with_name(f"{folder.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    chunks = corpus_chunks(chunk_size, chunk_overlap)
    store = Chroma(
        collection_name=COLLECTION,
        embedding_function=get_embeddings(show_progress=show_progress),
        client=chroma_client(building),
        # Search as wide as the corpus: HNSW with the default ef_search=100 is approximate, and
        # its top 50 varied from one process to the next (near-ties), which MMR then amplifies.
        collection_metadata={"hnsw:space": "cosine", "hnsw:search_ef": 2000},
    )
    store.add_documents(chunks, ids=[c.metadata["chunk_id"] for c in chunks])
    _done_marker(building).write_text(f"{len(chunks)}\n")
    del store
    if _done_marker(folder).exists():  # another process finished first: use its index
        shutil.rmtree(building, ignore_errors=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)
        building.rename(folder)
    return course_index(chunk_size, chunk_overlap)


def course_index(chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> Chroma:
    """Return the course's Chroma index, reopening the persisted one or building it once."""
    from langchain_chroma import Chroma

    folder = index_dir(chunk_size, chunk_overlap)
    if not _done_marker(folder).exists():  # never built, or a build was interrupted
        return build_index(chunk_size, chunk_overlap)
    return Chroma(
        collection_name=COLLECTION,
        embedding_function=get_embeddings(),
        client=chroma_client(folder),
        create_collection_if_not_exists=False,
    )


def main() -> int:
    """Build (or reopen) the course index and print how long it took."""
    start = time.perf_counter()
    existed = _done_marker(index_dir()).exists()
    store = course_index()
    verb = "reopened" if existed else "built"
    print(
        f"course index {verb}: {store._collection.count()} chunks in "
        f"{time.perf_counter() - start:.1f} s ({relative(index_dir())})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
