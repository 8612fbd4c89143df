"""The same LangChain code against a real Chroma server, started on loopback by the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from langchain_chroma import Chroma

from helpers import corpus
from tests.support import free_port
from tests.test_index import HashEmbeddings

CHROMA = str(Path(sys.executable).parent / "chroma")  # the CLI installed with chromadb
if not Path(CHROMA).exists():
    CHROMA = shutil.which("chroma") or CHROMA


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
        deadline = time.monotonic() + 60  # a busy machine starts it slowly
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited with code {proc.returncode} before answering")
            try:  # the client checks the server as soon as it is created
                client = chromadb.HttpClient(
                    host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False)
                )
                client.heartbeat()
                break
            except Exception:  # noqa: BLE001 - not listening yet
                if time.monotonic() > deadline:
                    pytest.fail("chroma server did not answer its heartbeat within 60 s")
                time.sleep(0.2)
        yield client
    finally:
        proc.terminate()  # stop the server whatever happened above
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_index_and_query_through_a_server(chroma_server):
    chunks = corpus.split_documents(corpus.load_pdf("tidewell/handbook.pdf"))
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
    on_page_7 = store.similarity_search("kiln", k=3, filter={"page": 7})
    assert on_page_7 and all(d.metadata["page"] == 7 for d in on_page_7)
    store.delete(ids=[target.metadata["chunk_id"]])  # updates reach every client of the server
    assert chroma_server.get_collection("handbook").count() == len(chunks) - 1
    hit = store.similarity_search(target.page_content, k=1)[0]
    assert hit.metadata["chunk_id"] != target.metadata["chunk_id"]
