"""Notebook 07 writes BM25 and min-max fusion itself (the lesson); the course retrieves with
``bm25s`` and ``helpers.retrieval.hybrid.fuse``. The notebook's functions, taken from its code
cells, must agree with them on the course's own inputs — and a wrong k1 must make BM25 disagree."""

from __future__ import annotations

import ast
import json
from collections import Counter

import numpy as np
import pytest

from helpers.index import chroma
from helpers.settings import repo_root

NOTEBOOK = repo_root() / "notebooks" / "07_keyword_hybrid.ipynb"
needs_index = pytest.mark.skipif(
    not (chroma.is_built() and chroma.is_built(embedder="use")),
    reason="course indexes not built (run: make index)",
)


def notebook_functions(*names: str) -> dict:
    """Return the functions the notebook defines in the code cells that define ``names``."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    namespace: dict = {"np": np, "Counter": Counter}
    for name in names:
        cell = next(s for s in sources if f"def {name}(" in s)
        defs = [n for n in ast.parse(cell).body if isinstance(n, ast.FunctionDef)]
        exec(compile(ast.Module(body=defs, type_ignores=[]), NOTEBOOK.name, "exec"), namespace)
    return namespace


def relative_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-9)))


@pytest.fixture(scope="module")
def course():
    """The course's BM25 (its chunks and bm25s index), tokenised chunks and 20 questions."""
    from helpers.questions.course import load_questions
    from helpers.retrieval.bm25 import tokenize
    from helpers.retrieval.course import course_bm25

    bm25 = course_bm25()
    asked = [q for q in load_questions() if q["answerable"]]
    sample = [q for q in asked if q["lang"] == "en"][::6][:10] + [
        q for q in asked if q["lang"] == "ko"][::5][:10]
    return bm25, [tokenize(d.page_content) for d in bm25.docs], sample


@pytest.mark.caches
@needs_index
def test_notebook_bm25_equals_bm25s_on_the_course_chunks(course):
    from helpers.retrieval.bm25 import bm25s, tokenize

    bm25, doc_tokens, sample = course
    fn = notebook_functions("bm25_scores", "largest_relative_difference")
    assert bm25.index.method == "lucene" and (bm25.index.k1, bm25.index.b) == (1.5, 0.75)
    for q in sample:
        tokens = tokenize(q["question"])
        ours, theirs = fn["bm25_scores"](tokens, doc_tokens), bm25.index.get_scores(tokens)
        assert relative_difference(ours, theirs) < 1e-5, q["id"]
        assert fn["largest_relative_difference"](ours, theirs) < 1e-5
        assert (ours > 0).sum() == (theirs > 0).sum() > 0
    other = bm25s.BM25(k1=0.9, b=0.4)  # the parameters reach the formula, not only the defaults
    other.index(doc_tokens, show_progress=False)
    tokens = tokenize(sample[0]["question"])
    ours = fn["bm25_scores"](tokens, doc_tokens, k1=0.9, b=0.4)
    assert relative_difference(ours, other.get_scores(tokens)) < 1e-5


@pytest.mark.caches
@needs_index
def test_a_wrong_k1_fails_the_comparison(course):
    from helpers.retrieval.bm25 import tokenize

    bm25, doc_tokens, sample = course
    fn = notebook_functions("bm25_scores", "largest_relative_difference")
    worst = max(
        fn["largest_relative_difference"](
            fn["bm25_scores"](tokenize(q["question"]), doc_tokens, k1=1.2),
            bm25.index.get_scores(tokenize(q["question"])),
        )
        for q in sample
    )
    assert worst > 1e-2  # the notebook's check (< 1e-5) prints ❌


def test_notebook_idf_and_tf_part_are_the_formula():
    fn = notebook_functions("idf", "tf_part")
    assert fn["idf"](3, 100) == pytest.approx(np.log(1 + 97.5 / 3.5))
    assert fn["tf_part"](2, 60, 40) == pytest.approx(2 / (2 + 1.5 * (0.25 + 0.75 * 1.5)))
    assert fn["tf_part"](2, 60, 40, b=0.0) == pytest.approx(2 / 3.5)


@pytest.mark.caches
@needs_index
def test_notebook_fusion_equals_helpers_fuse_on_real_candidates(course):
    from helpers.retrieval.course import course_retriever
    from helpers.retrieval.hybrid import fuse

    _, _, sample = course
    fn = notebook_functions("minmax", "fuse_minmax")
    retriever = course_retriever()
    for q in sample[::3]:
        script, dense, sparse = retriever.components(q["question"])
        assert dense and sparse
        for alpha in (0.0, 0.2, 0.5, 0.7, 1.0):
            for k in (5, 100):
                ours, theirs = fn["fuse_minmax"](dense, sparse, alpha, k), fuse(dense, sparse,
                                                                               alpha, k)
                assert [d.metadata["chunk_id"] for d, _ in ours] == [
                    d.metadata["chunk_id"] for d, _ in theirs], (q["id"], alpha)
                assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], abs=1e-6)


def test_notebook_fusion_equals_helpers_fuse_on_edge_cases():
    from langchain_core.documents import Document

    from helpers.retrieval.hybrid import fuse

    def doc(name: str) -> Document:
        return Document(page_content=name, metadata={"chunk_id": name})

    dense = [(doc("a"), 0.9), (doc("b"), 0.8), (doc("c"), 0.1)]
    sparse = [(doc("c"), 12.0), (doc("b"), 11.0), (doc("d"), 2.0)]
    flat = [(doc("e"), 3.0), (doc("f"), 3.0)]  # one score for all: min-max gives 1.0
    fn = notebook_functions("minmax", "fuse_minmax")
    for d, s in ((dense, sparse), (dense, []), ([], sparse), (dense, flat), (flat, dense)):
        for alpha in (0.0, 0.5, 1.0):
            ours, theirs = fn["fuse_minmax"](d, s, alpha, 10), fuse(d, s, alpha, 10)
            assert [x.page_content for x, _ in ours] == [x.page_content for x, _ in theirs]
            assert [v for _, v in ours] == pytest.approx([v for _, v in theirs], abs=1e-6)
