"""Build the course's caches once, printing how long each step took (reopening is cheap).

Usage (offline: ``RAG_COURSE_MODE=offline HF_HUB_OFFLINE=1``):

* ``python scripts/build_caches.py first`` — what notebook 00 needs: the two Chroma indexes of the
  corpus (MiniLM and USE; BM25 is built in memory from them). ``make index-first``, ``make lab``.
* ``python scripts/build_caches.py binder`` — the indexes, the pipeline's and the corpus map
  (Binder's ``postBuild``: the rest is built when a notebook first needs it).
* ``python scripts/build_caches.py all`` — every cache: the indexes above, the course pipeline and
  the TyDi benchmark's indexes, the corpus map, the chunk-size sweep with every setting's vectors
  and the fusion check's ranks, Gemma 3 270M and SmolLM2 converted from GGUF. ``make index``.
* ``python scripts/build_caches.py record-smollm2`` — write SmolLM2's answer cache to
  ``data/recorded/`` (after ``make notebooks`` on an empty answer cache; see CONTRIBUTING.md).

Every cache goes through :mod:`helpers.cache` (a key from every input, built in a temporary folder
and renamed into place, under a lock), so a notebook that needs one meanwhile waits for it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from helpers.documents.files import relative  # noqa: E402


def indexes() -> None:
    """Build (or reopen) the course indexes (MiniLM and USE)."""
    from helpers.index.chroma import course_index, index_dir, is_built

    for embedder in ("minilm", "use"):
        start = time.perf_counter()
        existed = is_built(embedder=embedder)
        store = course_index(embedder=embedder)
        verb = "reopened" if existed else "built"
        print(
            f"course index ({embedder}) {verb}: {len(store.get(include=[])['ids'])} chunks in "
            f"{time.perf_counter() - start:.1f} s ({relative(index_dir(embedder=embedder))})"
        )


def pipeline() -> None:
    """Build (or reopen) every index the course pipeline uses, the benchmark's included."""
    from helpers.evaluation.benchmark import external_retriever
    from helpers.retrieval.course import course_retriever

    start = time.perf_counter()
    course_retriever()
    external_retriever()
    external_retriever(wider_dev=True)  # embeds the wider dev side's passages once
    print(f"course and benchmark indexes ready in {time.perf_counter() - start:.1f} s")


def corpus_map() -> None:
    """Fit (or read) the corpus map."""
    from helpers.cache import json_path
    from helpers.index.chroma import corpus_vectors
    from helpers.views.corpus_map import corpus_map as fit_map
    from helpers.views.corpus_map import map_inputs

    start = time.perf_counter()
    cached = json_path("umap", map_inputs(corpus_vectors()[0], 42)).is_file()
    cmap = fit_map()
    verb = "read from the cache" if cached else "fitted"
    print(f"corpus map {verb}: {len(cmap.ids)} chunks in {time.perf_counter() - start:.1f} s")


def sweeps() -> None:
    """Compute (or reopen) the chunk-size sweep, every setting's vectors for both dense embedders
    (the playground), the course questions' vectors and the fusion check's ranks."""
    from helpers.documents.loaders import load_corpus
    from helpers.documents.splitting import CHUNK_OVERLAP, CHUNK_SIZE, split_documents
    from helpers.evaluation.benchmark import fusion_sets
    from helpers.evaluation.sweeps import SWEEP, chunk_sweep
    from helpers.index.vectors import question_vectors, setting_vectors
    from helpers.retrieval.hybrid import DENSE

    start = time.perf_counter()
    rows = chunk_sweep()
    print(f"chunk sweep ready ({len(rows)} settings) in {time.perf_counter() - start:.1f} s")
    docs = load_corpus()
    for embedder in dict.fromkeys(DENSE.values()):  # MiniLM (English questions), USE (Korean)
        start = time.perf_counter()
        for size, overlap in SWEEP:
            if (size, overlap) != (CHUNK_SIZE, CHUNK_OVERLAP):  # those are the course index's
                setting_vectors(size, overlap, embedder, split_documents(docs, size, overlap))
        print(f"chunk vectors ({embedder}) of {len(SWEEP) - 1} settings ready in "
              f"{time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    for embedder in ("minilm", "use"):  # every course question's query vector, once
        question_vectors(embedder)
    print(f"question vectors (MiniLM, USE) ready in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    sets = fusion_sets()
    print(f"fusion ranks of {sum(len(rows) for rows in sets.values())} questions ready in "
          f"{time.perf_counter() - start:.1f} s")


def gemma() -> None:
    """Convert (once) and load Gemma 3 270M."""
    from helpers.cache import dir_path
    from helpers.models.gemma import load_generator, model_inputs

    start = time.perf_counter()
    existed = dir_path("models", model_inputs()).is_dir()
    load_generator()
    verb = "loaded" if existed else "converted from GGUF and cached"
    print(f"Gemma 3 270M {verb} in {time.perf_counter() - start:.1f} s")


def smollm2() -> int:
    """Convert (once) and load SmolLM2; 1 with a one-line message when its wheel is missing."""
    from helpers.cache import dir_path
    from helpers.models.smollm2 import (
        MODEL_NAME,
        SmallModelMissingError,
        gguf_path,
        load_small_llm,
        model_inputs,
    )

    start = time.perf_counter()
    try:
        gguf_path()
    except SmallModelMissingError as err:
        print(err)
        return 1
    existed = dir_path("models", model_inputs()).is_dir()
    load_small_llm()
    verb = "loaded" if existed else "converted from GGUF, cached and loaded"
    print(f"{MODEL_NAME} {verb} in {time.perf_counter() - start:.1f} s")
    return 0


def record_smollm2() -> int:
    """Write SmolLM2's answer cache to the recorded file."""
    from helpers.models.smollm2 import record_answers, recorded_answers

    path = record_answers()
    print(f"{len(recorded_answers())} answers recorded in {path.name}")
    return 0


def everything() -> int:
    """Every cache of the course, in the order the notebooks need them."""
    for step in (indexes, pipeline, corpus_map, sweeps, gemma):
        step()
    return smollm2()


def first() -> int:
    """What notebook 00 needs."""
    indexes()
    return 0


def binder() -> int:
    """What Binder builds before the first notebook opens."""
    for step in (indexes, pipeline, corpus_map):
        step()
    return 0


COMMANDS: dict[str, Callable[[], int]] = {
    "first": first, "binder": binder, "all": everything, "record-smollm2": record_smollm2,
}


def main(argv: list[str]) -> int:
    """Run the command named in ``argv`` (see the module's docstring)."""
    if len(argv) != 1 or argv[0] not in COMMANDS:
        print(f"usage: python scripts/build_caches.py {{{'|'.join(COMMANDS)}}}")
        return 2
    return COMMANDS[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
