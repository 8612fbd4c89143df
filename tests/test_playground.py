"""The playground of notebook 10: retrieval with knobs (fusion, MMR, batched), the widgets."""

from __future__ import annotations

import numpy as np
import pytest
from langchain_core.documents import Document

from helpers import index, playground
from helpers.pipeline import fuse

needs_index = pytest.mark.skipif(
    not (index.is_built() and index.is_built(embedder="use")),
    reason="course indexes not built (run: make index)",
)


def _doc(name: str) -> Document:
    return Document(page_content=name, metadata={"chunk_id": name, "source": f"{name}.txt"})


DENSE = [(_doc("a"), 0.9), (_doc("b"), 0.89), (_doc("c"), 0.5)]
SPARSE = [(_doc("a"), 9.0), (_doc("b"), 8.0), (_doc("d"), 1.0)]
# b is a near copy of a; c and d point elsewhere.
VECTORS = {
    "a": np.array([1.0, 0.0, 0.0]), "b": np.array([0.995, 0.0998, 0.0]),
    "c": np.array([0.0, 1.0, 0.0]), "d": np.array([0.0, 0.0, 1.0]),
}


def _names(scored) -> list[str]:
    return [d.page_content for d, _ in scored]


def test_lambda_one_is_the_fused_ranking():
    assert playground.select(DENSE, SPARSE, 3, 0.5, 1.0, VECTORS) == fuse(DENSE, SPARSE, 0.5, 3)


def test_mmr_skips_a_near_copy():
    assert _names(playground.select(DENSE, SPARSE, 2, 0.5, 1.0, VECTORS)) == ["a", "b"]
    assert _names(playground.select(DENSE, SPARSE, 2, 0.5, 0.3, VECTORS)) == ["a", "c"]


def test_chunks_html_lists_each_chunk_escaped():
    html = playground.chunks_html([(_doc("<x>"), 0.5), (_doc("y"), 0.25)])
    assert html.count("<li>") == 2
    assert "&lt;x&gt;" in html and "<x>" not in html
    assert "0.500" in html and "[y.txt]" in html


@needs_index
def test_batched_candidates_match_the_retriever():
    from helpers.pipeline import course_retriever

    retriever = course_retriever()
    questions = ["How much does a Maker membership cost per year?", "한국어 안전 교육은 언제 있나요?"]  # noqa: E501
    batched = playground.candidates(retriever, questions)
    for question in questions:
        script, dense, sparse = retriever.components(question)
        b_script, b_dense, b_sparse = batched[question]
        assert b_script == script
        assert [d.metadata["chunk_id"] for d, _ in b_dense[:10]] == [
            d.metadata["chunk_id"] for d, _ in dense[:10]
        ]
        assert [s for _, s in b_dense[:10]] == pytest.approx([s for _, s in dense[:10]], abs=1e-5)
        assert b_sparse == sparse


@needs_index
def test_playground_updates_when_a_slider_moves():
    pytest.importorskip("ipywidgets")
    from helpers.standin import ExtractiveChatModel

    pg = playground.Playground(
        ["How much does a Maker membership cost per year?"],
        llm=ExtractiveChatModel(use_embeddings=False), show_map=False,
    )
    assert pg.chunks.value.count("<li>") == 5
    assert "EUR 390" in pg.answer.value
    pg.k.value = 2
    assert pg.chunks.value.count("<li>") == 2
    assert "k=2" in pg.summary() and "tidewell/handbook.pdf p. 3" in pg.summary()
    pg.own.value = "Who chairs the board of the makerspace?"
    assert "Quenby" in pg.chunks.value + pg.answer.value
    bundle = pg._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Playground: 'Who chairs the board")
