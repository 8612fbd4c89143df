"""The persisted index: stable ids (no duplicates on re-run), telemetry off, no default embedder."""

from __future__ import annotations

import numpy as np
import pytest
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from helpers.documents import loaders, splitting
from helpers.index import chroma


class HashEmbeddings(Embeddings):
    """Tiny deterministic embeddings (letter counts), so index tests need no model."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        v = np.zeros(26)
        for ch in text.lower():
            if "a" <= ch <= "z":
                v[ord(ch) - 97] += 1
        return (v / (np.linalg.norm(v) or 1.0)).tolist()


def small_chunks() -> list[Document]:
    return splitting.split_documents(loaders.load_pdf("debian-faq/debian-faq.en.pdf")[10:14])


def make_store(folder) -> Chroma:
    return Chroma("test", embedding_function=HashEmbeddings(), client=chroma.chroma_client(folder))


def test_stable_ids_make_reruns_add_nothing(tmp_path):
    chunks = small_chunks()
    store = make_store(tmp_path)
    ids = [c.metadata["chunk_id"] for c in chunks]
    store.add_documents(chunks, ids=ids)
    store.add_documents(small_chunks(), ids=[c.metadata["chunk_id"] for c in small_chunks()])
    assert store._collection.count() == len(chunks)
    store.add_documents(chunks)  # without ids: random uuids, so every chunk is stored twice
    assert store._collection.count() == 2 * len(chunks)


def test_reopened_client_sees_the_same_collection(tmp_path):
    chunks = small_chunks()
    first = make_store(tmp_path)
    first.add_documents(chunks, ids=[c.metadata["chunk_id"] for c in chunks])
    again = Chroma(
        "test",
        embedding_function=HashEmbeddings(),
        client=chroma.chroma_client(tmp_path),
        create_collection_if_not_exists=False,
    )
    assert again._collection.count() == len(chunks)
    hit = again.similarity_search(chunks[2].page_content, k=1)[0]
    assert hit.metadata["chunk_id"] == chunks[2].metadata["chunk_id"]


def test_client_has_telemetry_off(tmp_path):
    client = chroma.chroma_client(tmp_path)
    assert client.get_settings().anonymized_telemetry is False


def test_fingerprint_depends_on_chunking():
    assert chroma.fingerprint(500, 50) != chroma.fingerprint(400, 50)
    assert chroma.fingerprint() == chroma.fingerprint(500, 50)


@pytest.mark.caches
@pytest.mark.skipif(not chroma.is_built(), reason="course index not built (run: make index)")
def test_course_index_is_complete_cosine_and_has_no_chroma_embedder():
    store = chroma.course_index()
    collection = store._collection
    expected = chroma.corpus_chunks()
    assert collection.count() == len(expected)
    stored = set(collection.get(include=[])["ids"])
    assert stored == {c.metadata["chunk_id"] for c in expected}
    assert collection.metadata["hnsw:space"] == "cosine"
    assert collection.configuration_json.get("embedding_function") is None


def test_documents_index_is_built_once_per_content(tmp_path, monkeypatch):
    from langchain_core.documents import Document

    from helpers import cache
    from helpers.documents.splitting import split_documents

    monkeypatch.setattr(cache, "cache_root", lambda: tmp_path)
    texts = ["The kiln fires on Thursdays.", "가마는 목요일에 불을 땝니다.", "Bikes park outside."]
    docs = [Document(page_content=t, metadata={"source": f"mine/{i}.txt"}) for i, t in
            enumerate(texts)]
    chunks = split_documents(docs)
    first = chroma.documents_index("toy", chunks, "use")
    assert sorted(first.get()["ids"]) == sorted(c.metadata["chunk_id"] for c in chunks)
    best = first.similarity_search("When does the kiln fire?", k=1)[0]
    assert best.metadata["source"] == "mine/0.txt"
    folders = list((tmp_path / "index-toy").iterdir())
    chroma.documents_index("toy", chunks, "use")  # reopened, not rebuilt
    assert list((tmp_path / "index-toy").iterdir()) == folders
    chroma.documents_index("toy", chunks[:2], "use")  # other chunks: another index
    assert len([p for p in (tmp_path / "index-toy").iterdir() if p.is_dir()]) == 2


@pytest.mark.caches
def test_corpus_vectors_reads_the_course_index_sorted_by_id():
    ids, vectors, metadatas, texts = chroma.corpus_vectors()
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert vectors.shape == (len(ids), 384) and vectors.dtype == np.float32
    assert len(metadatas) == len(texts) == len(ids)
    assert all(m["chunk_id"] == i for m, i in zip(metadatas, ids, strict=True))
    assert len(ids) == len(chroma.course_index().get(include=[])["ids"])


TOY_TEXTS = ["The kiln fires on Thursdays.", "Bikes park outside.", "Tea is free."]


def build_toy_index(folder: str, log: str, start_at: float) -> None:
    """Build a tiny course index in ``folder`` (a builder process of the test below), with slow
    embeddings that write every text they embed to ``log``; print how many chunks it holds."""
    import time
    from pathlib import Path

    chunks = splitting.split_documents(
        [Document(page_content=t, metadata={"source": f"toy/{i}.txt"})
         for i, t in enumerate(TOY_TEXTS)]
    )

    class SlowEmbeddings(HashEmbeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            with open(log, "a", encoding="utf-8") as out:
                out.write("".join(f"{t}\n" for t in texts))
            time.sleep(1.0)  # a build that takes a while: the other builder arrives meanwhile
            return super().embed_documents(texts)

    # a throwaway process: patch the module directly
    chroma.index_dir = lambda *args, **kwargs: Path(folder)  # type: ignore[assignment]
    chroma.corpus_chunks = lambda *args: chunks  # type: ignore[assignment]
    chroma.embedder_for = lambda embedder="minilm": SlowEmbeddings()  # type: ignore[assignment]
    chroma.get_embeddings = lambda **kwargs: SlowEmbeddings()  # type: ignore[assignment]
    time.sleep(max(0.0, start_at - time.time()))  # both builders start together
    print("COUNT", len(chroma.course_index().get(include=[])["ids"]), flush=True)


def test_two_builders_at_once_embed_the_corpus_once(tmp_path):
    """Two processes (two kernels) build the same course index at once: the second waits on the
    lock, then reopens the first one's index instead of embedding the chunks again (without the
    lock both embed, and one deletes the other's folder)."""
    import os
    import subprocess
    import sys
    import time

    from helpers.settings import repo_root

    folder, log = tmp_path / "index" / "toy", tmp_path / "embedded.txt"
    start_at = time.time() + 8  # time for both interpreters to import
    script = (f"from tests.test_index import build_toy_index; "
              f"build_toy_index({str(folder)!r}, {str(log)!r}, {start_at})")
    env = {**os.environ, "RAG_COURSE_MODE": "offline", "HF_HUB_OFFLINE": "1"}
    builders = [subprocess.Popen([sys.executable, "-c", script], cwd=repo_root(), env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
    outputs = [b.communicate(timeout=180) for b in builders]
    for builder, (_, err) in zip(builders, outputs, strict=True):
        assert builder.returncode == 0, err[-2000:]
    assert [out.split("COUNT ")[-1].strip() for out, _ in outputs] == [str(len(TOY_TEXTS))] * 2
    embedded = log.read_text(encoding="utf-8").splitlines()
    assert sorted(embedded) == sorted(TOY_TEXTS)  # embedded once, by one of the two
    assert [p.name for p in folder.parent.iterdir() if p.is_dir()] == ["toy"]
