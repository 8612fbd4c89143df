"""The playground of notebook 15: retrieval with knobs (fusion, MMR, batched), the widgets."""

from __future__ import annotations

import numpy as np
import pytest
from langchain_core.documents import Document

from helpers.index import chroma
from helpers.retrieval import hybrid, mmr
from helpers.retrieval.hybrid import fuse
from helpers.views import playground, plots

needs_index = pytest.mark.skipif(
    not (chroma.is_built() and chroma.is_built(embedder="use")),
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
    assert mmr.select(DENSE, SPARSE, 3, 0.5, 1.0, VECTORS) == fuse(DENSE, SPARSE, 0.5, 3)


def test_mmr_skips_a_near_copy():
    assert _names(mmr.select(DENSE, SPARSE, 2, 0.5, 1.0, VECTORS)) == ["a", "b"]
    assert _names(mmr.select(DENSE, SPARSE, 2, 0.5, 0.3, VECTORS)) == ["a", "c"]


def test_chunks_html_lists_each_chunk_escaped():
    html = plots.chunks_html([(_doc("<x>"), 0.5), (_doc("y"), 0.25)])
    assert html.count("<li>") == 2
    assert "&lt;x&gt;" in html and "<x>" not in html
    assert "0.500" in html and "[y.txt]" in html


@pytest.mark.caches
@needs_index
def test_batched_candidates_match_the_retriever():
    from helpers.retrieval.course import course_retriever

    retriever = course_retriever()
    questions = ["How much does a Maker membership cost per year?", "한국어 안전 교육은 언제 있나요?"]  # noqa: E501
    batched = hybrid.candidates(retriever, questions)
    for question in questions:
        script, dense, sparse = retriever.components(question)
        b_script, b_dense, b_sparse = batched[question]
        assert b_script == script
        assert [d.metadata["chunk_id"] for d, _ in b_dense[:10]] == [
            d.metadata["chunk_id"] for d, _ in dense[:10]
        ]
        assert [s for _, s in b_dense[:10]] == pytest.approx([s for _, s in dense[:10]], abs=1e-5)
        assert b_sparse == sparse


def price_playground() -> playground.Playground:
    """A playground on the Maker price question, with the lexical reader and no map (fast)."""
    pytest.importorskip("ipywidgets")
    from helpers.models.reader import ExtractiveChatModel

    return playground.Playground(
        ["How much does a Maker membership cost per year?"],
        llm=ExtractiveChatModel(use_embeddings=False), show_map=False,
    )


@pytest.mark.caches
@needs_index
def test_playground_updates_when_a_slider_moves():
    pg = price_playground()
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


def _span(name: str, start: int, length: int, page: int = 0) -> Document:
    meta = {"chunk_id": name, "source": "x.pdf", "page": page, "start_index": start}
    return Document(page_content="x" * length, metadata=meta)


def test_a_chunk_is_drawn_at_the_reference_chunk_it_overlaps_most():
    reference = [_span("r0", 0, 500), _span("r1", 450, 500), _span("r2", 0, 500, page=1)]
    chunks = [_span("big", 300, 1000), _span("small", 460, 40), _span("early", 0, 250),
              _span("other page", 100, 200, page=1), _span("no page", 0, 10, page=9)]
    assert playground.overlapping_chunks(chunks, reference) == {
        "big": "r1",  # 500 characters in r1, 200 in r0
        "small": "r0",  # inside both: a tie goes to the earlier chunk
        "early": "r0",
        "other page": "r2",  # never a chunk of another page
    }  # "no page": its page has no reference chunk, so it is not drawn


needs_vectors = pytest.mark.skipif(
    not (chroma.is_built() and chroma.is_built(embedder="use")
         and playground.chunk_index_ready(1000, 100)),
    reason="course indexes or the sweep's chunk vectors not built (run: make index)",
)


@pytest.mark.caches
@needs_index
@needs_vectors
def test_another_chunk_setting_is_the_same_retriever_over_other_chunks():
    from helpers.index.vectors import setting_vectors
    from helpers.retrieval.course import course_bm25

    big = playground.chunk_index(1000, 100)
    chunks = playground.setting_chunks(1000, 100)
    assert big.size == len(chunks) < playground.chunk_index().size
    question = "How much does a Maker membership cost per year?"
    script, dense, sparse = big.retriever.components(question)
    # The in-memory collection holds the stored vectors: its ranking is the exact cosine one.
    V = setting_vectors(1000, 100, "minilm", chunks)
    q = np.asarray(big.retriever.stores["en"].embeddings.embed_query(question))
    exact = [chunks[i].metadata["chunk_id"] for i in np.argsort(-(V @ q), kind="stable")[:5]]
    assert [d.metadata["chunk_id"] for d, _ in dense[:5]] == exact
    assert {d.metadata["chunk_id"] for d, _ in sparse} <= {c.metadata["chunk_id"] for c in chunks}
    # Every chunk has a place on the 500/50 map.
    assert set(big.on_map) == {c.metadata["chunk_id"] for c in chunks}
    assert set(big.on_map.values()) <= {d.metadata["chunk_id"] for d in course_bm25().docs}


@pytest.mark.caches
@needs_index
@needs_vectors
def test_the_chunk_size_slider_changes_the_retrieved_chunks():
    pg = price_playground()
    assert [label for label, _ in pg.chunk_size.options][:3] == ["250/25", "500/0", "500/50"]
    before = [d.metadata["chunk_id"] for d, _ in pg.hits()]
    assert "chunk size 500/50" in pg.summary()
    pg.chunk_size.value = (1000, 100)
    after = pg.hits()
    big = {c.metadata["chunk_id"] for c in playground.setting_chunks(1000, 100)}
    assert len(after) == 5 and {d.metadata["chunk_id"] for d, _ in after} <= big
    assert [d.metadata["chunk_id"] for d, _ in after] != before
    assert max(len(d.page_content) for d, _ in after) > 500
    assert pg.chunks.value.count("<li>") == 5 and "EUR 390" in pg.answer.value
    assert "chunk size 1000/100" in pg.summary()
    pg.chunk_size.value = (500, 50)
    assert [d.metadata["chunk_id"] for d, _ in pg.hits()] == before


@pytest.mark.caches
@needs_index
@needs_vectors
def test_the_map_note_says_where_other_chunks_are_drawn():
    hits = [(d, 1.0) for d in playground.setting_chunks(1000, 100)[:3]]
    note = playground.map_note(playground.chunk_index(1000, 100), hits)
    assert note.startswith("Map of the 500/50 index") and "overlaps most" in note
    assert "3 chunks" in note
