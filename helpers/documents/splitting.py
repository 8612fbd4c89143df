"""Splitting (notebook 03): the seed's 500/50 ``RecursiveCharacterTextSplitter``, with a stable id
and the script of each chunk in its metadata.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from langchain_core.documents import Document

from helpers.documents.hangul import script_of

#: The seed note's splitter setting, used for the course index.
CHUNK_SIZE = 500


CHUNK_OVERLAP = 50


def chunk_id(doc: Document) -> str:
    """Return a stable id for a chunk: a hash of its source, page, start index and text."""
    meta = doc.metadata
    key = f"{meta.get('source')}|{meta.get('page', '')}|{meta.get('start_index', '')}|"
    return hashlib.sha1((key + doc.page_content).encode("utf-8")).hexdigest()[:20]


def split_documents(
    docs: Iterable[Document], chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP
) -> list[Document]:
    """Return ``docs`` split by ``RecursiveCharacterTextSplitter`` with ``start_index`` and
    ``chunk_id`` added to each chunk's metadata."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True
    )
    chunks = splitter.split_documents(list(docs))
    for chunk in chunks:
        chunk.metadata["chunk_id"] = chunk_id(chunk)
        chunk.metadata["lang"] = script_of(chunk.page_content)
    return chunks
