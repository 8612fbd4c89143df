"""Benchmarks of the course on this machine: prints figures, asserts nothing (not a test).

Usage: ``python benchmarks/run.py [--skip-notebooks]`` (about 10 minutes on 2 cores).

Prints: each notebook's offline run time and its kernel's peak memory (executed from a copy, in
a process of its own: ``benchmarks/memory.py``; stored notebooks are not touched); index build vs
reopen time; indexing through LangChain + Chroma vs raw ``SentenceTransformer.encode`` on the
same chunks; retrieval latency p50/p95 for similarity, the seed's MMR, BM25 and the course
retriever; the retrieval table on the test split per language; the disk size of ``.venv`` and
``.cache``. The time to the first notebook on a fresh clone: ``benchmarks/first_notebook.py``.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "benchmarks"))
os.environ.setdefault("RAG_COURSE_MODE", "offline")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def notebooks() -> None:
    """Execute every notebook from a copy, each in its own process; print its time and peak
    memory (benchmarks/memory.py), flagged above Binder's budget."""
    from memory import LIMIT_MB, measure, notebook_paths, report_line

    print(f"== notebooks (offline, executed from a copy; peak memory flagged above {LIMIT_MB} MB)")
    for path in notebook_paths():
        print(report_line(path.name, measure(path)), flush=True)


def index_build_vs_reopen() -> None:
    """Build the index in a fresh cache folder, then reopen it, each in a new process."""
    print("== index: build vs reopen (new processes, fresh cache)")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, RAG_COURSE_CACHE_DIR=cache)
        for label in ("build", "reopen"):
            start = time.perf_counter()
            subprocess.run([sys.executable, "scripts/build_caches.py", "first"], cwd=ROOT,
                           env=env, check=True, capture_output=True)
            print(f"  {label:7} {time.perf_counter() - start:6.1f} s (whole process)")


def indexing_overhead() -> None:
    """Time LangChain + Chroma indexing against raw sentence-transformers on the same chunks."""
    from langchain_chroma import Chroma
    from sentence_transformers import SentenceTransformer

    from helpers.embeddings.minilm import embedding_model_path, get_embeddings
    from helpers.index.chroma import chroma_client, corpus_chunks

    print("== indexing: LangChain + Chroma vs raw SentenceTransformer.encode")
    chunks = corpus_chunks()
    texts = [c.page_content for c in chunks]
    model = SentenceTransformer(embedding_model_path(), device="cpu")
    start = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    raw = time.perf_counter() - start
    store = Chroma("bench", embedding_function=get_embeddings(), client=chroma_client(None))
    start = time.perf_counter()
    store.add_documents(chunks, ids=[c.metadata["chunk_id"] for c in chunks])
    full = time.perf_counter() - start
    print(f"  {len(chunks)} chunks: raw encode {raw:.1f} s, LangChain + Chroma {full:.1f} s, "
          f"overhead x{full / raw:.2f}")


def latency_and_evaluation() -> None:
    """Print retrieval latency percentiles and the retrieval table on the test questions."""
    from helpers.evaluation.sweeps import evaluate
    from helpers.index.chroma import course_index, index_documents
    from helpers.questions.course import load_questions, split_questions
    from helpers.retrieval.bm25 import BM25Retriever
    from helpers.retrieval.course import course_retriever, seed_retriever

    store, questions = course_index(), load_questions()
    store.similarity_search("warm-up", k=5)
    retrievers = {
        "similarity": store.as_retriever(search_kwargs={"k": 5}),
        "seed MMR": seed_retriever(),
        "BM25": BM25Retriever.from_documents(index_documents(store), k=5),
        "course": course_retriever(),
    }
    print(f"== retrieval latency over the {len(questions)} questions (k=5)")
    for name, retriever in retrievers.items():
        times = []
        for q in questions:
            start = time.perf_counter()
            retriever.invoke(q["question"])
            times.append((time.perf_counter() - start) * 1000)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"  {name:10} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    for lang in ("en", "ko"):
        test = split_questions(questions, "test", lang)
        print(f"== retrieval on the test split, {lang} ({len(test)} answerable questions, k=5)")
        for name, retriever in retrievers.items():
            scores = evaluate(lambda q, r=retriever: r.invoke(q)[:5], test)
            print(f"  {name:10} " + "  ".join(f"{k} {v:.3f}" for k, v in scores.items()))


def disk_gib(path: Path) -> float:
    """Return the size of the files under ``path`` in GiB (symbolic links not followed)."""
    files = (p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files) / 2**30


def sizes(root: Path = ROOT) -> None:
    """Print the disk size of the virtual environment and of the caches (what a learner needs)."""
    print("== disk")
    for name in (".venv", ".cache"):
        if (root / name).is_dir():
            print(f"  {name:7} {disk_gib(root / name):5.2f} GiB")


def main() -> int:
    """Run every benchmark and print the figures."""
    start = time.perf_counter()
    if "--skip-notebooks" not in sys.argv:
        notebooks()
    index_build_vs_reopen()
    indexing_overhead()
    latency_and_evaluation()
    sizes()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = time.perf_counter() - start
    print(f"== benchmark process peak memory {peak:.0f} MiB; total {total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
