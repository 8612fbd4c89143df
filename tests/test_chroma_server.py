"""The same LangChain code against a real Chroma server, started on loopback by the test."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from langchain_chroma import Chroma

from helpers.documents import loaders, splitting
from tests.support import free_port
from tests.test_index import HashEmbeddings

CHROMA = shutil.which("chroma") or str(Path(os.sys.executable).parent / "chroma")


@pytest.fixture
def chroma_server(tmp_path):
    """Start `chroma run` on 127.0.0.1, wait for its heartbeat, stop it afterwards."""
    import chromadb
    from chromadb.config import Settings

    port = free_port()
    proc = subprocess.Popen(
        [CHROMA, "run", "--path", str(tmp_path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:  # the client checks the server as soon as it is created
                client = chromadb.HttpClient(
                    host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False)
                )
                client.heartbeat()
                break
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.2)
        else:
            pytest.fail("chroma server did not answer its heartbeat within 20 s")
        yield client
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_index_and_query_through_a_server(chroma_server):
    chunks = splitting.split_documents(loaders.load_pdf("tidewell/handbook.pdf"))
    store = Chroma(
        collection_name="handbook",
        embedding_function=HashEmbeddings(),
        client=chroma_server,
        collection_metadata={"hnsw:space": "cosine"},
    )
    ids = [c.metadata["chunk_id"] for c in chunks]
    store.add_documents(chunks, ids=ids)
    store.add_documents(chunks, ids=ids)  # stable ids: no duplicates on the server either
    assert chroma_server.get_collection("handbook").count() == len(chunks)
    target = chunks[5]
    hit = store.similarity_search(target.page_content, k=1)[0]
    assert hit.metadata["chunk_id"] == target.metadata["chunk_id"]
    only_news = store.similarity_search("kiln", k=3, filter={"page": 7})
    assert only_news and all(d.metadata["page"] == 7 for d in only_news)
