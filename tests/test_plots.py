"""Tests for helpers.views.plots: fonts, chunk views, the corpus map's cache and projection."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pytest
from langchain_core.documents import Document

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from helpers.views import corpus_map, plots


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _toy_map(n: int = 120, dim: int = 12) -> corpus_map.CorpusMap:
    rng = np.random.default_rng(0)
    vectors = _unit(rng.normal(size=(n, dim)))
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    metadatas = [{"source": f"file{i % 3}.txt"} for i in range(n)]
    return corpus_map.CorpusMap([f"id{i:03d}" for i in range(n)], xy, metadatas, vectors)


def test_setup_fonts_draws_hangul_without_missing_glyphs():
    plots.setup_fonts()
    fig, ax = plt.subplots()
    ax.set_title("데비안 패키지 −1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" is a UserWarning
        fig.canvas.draw()
    plt.close(fig)
    assert plt.rcParams["font.family"][0] == plots.KOREAN_FONT


def test_project_matches_umaps_transform_initialisation():
    """Our numpy placement equals UMAP's own: smooth_knn_dist + memberships + weighted mean."""
    from scipy.sparse import coo_matrix
    from umap.umap_ import compute_membership_strengths, init_graph_transform, smooth_knn_dist

    cmap = _toy_map()
    queries = _unit(np.random.default_rng(1).normal(size=(4, 12)))
    k = cmap.n_neighbors
    near = cmap.neighbours(queries, k).astype(np.int32)
    dists = (1.0 - np.take_along_axis(queries @ cmap.vectors.T, near, axis=1)).astype(np.float32)
    sigmas, rhos = smooth_knn_dist(dists, float(k), local_connectivity=0.0)
    rows, cols, vals, _ = compute_membership_strengths(near, dists, sigmas, rhos, bipartite=True)
    graph = coo_matrix((vals, (rows, cols)), shape=(len(queries), len(cmap.ids))).tocsr()
    expected = init_graph_transform(graph, cmap.xy)
    np.testing.assert_allclose(cmap.project(queries), expected, atol=1e-3)


def test_project_puts_a_chunk_on_itself_and_is_deterministic():
    cmap = _toy_map()
    np.testing.assert_allclose(cmap.project(cmap.vectors[7]), cmap.xy[[7]], atol=1e-6)
    q = _unit(np.random.default_rng(2).normal(size=(3, 12)))
    assert np.array_equal(cmap.project(q), cmap.project(q))
    assert cmap.project(q).shape == (3, 2)


def test_corpus_map_is_fitted_once_then_cached(tmp_path, monkeypatch):
    toy = _toy_map(40)
    ids = toy.ids
    monkeypatch.setenv("RAG_COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(corpus_map, "corpus_vectors", lambda: (ids, toy.vectors, toy.metadatas, []))
    fits = []

    def fake_fit(vectors, seed=42):
        fits.append(seed)
        return np.full((len(vectors), 2), float(seed), dtype=np.float32)

    monkeypatch.setattr(corpus_map, "fit_layout", fake_fit)
    first = corpus_map.corpus_map(seed=7)
    second = corpus_map.corpus_map(seed=7)
    assert fits == [7]
    assert len(list((tmp_path / "umap").glob("*.json"))) == 1
    np.testing.assert_array_equal(first.xy, second.xy)
    ids = ids[:-1] + ["changed"]  # a cache made for other chunks is not reused
    corpus_map.corpus_map(seed=7)
    assert fits == [7, 7]
    monkeypatch.setattr(
        corpus_map, "N_NEIGHBORS", corpus_map.N_NEIGHBORS + 1
    )  # nor for other settings
    corpus_map.corpus_map(seed=7)
    assert fits == [7, 7, 7]


def test_plot_map_colours_sources_marks_highlights_and_queries():
    cmap = _toy_map()
    ax = corpus_map.plot_map(
        cmap,
        highlight={"picked": cmap.ids[:3]},
        queries={"질문": (cmap.project(cmap.vectors[5] + 0.1)[0], cmap.ids[5:8])},
    )
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["file0.txt", "file1.txt", "file2.txt", "picked"]
    assert len(ax.get_lines()) == 3  # one line per nearest chunk
    plt.close(ax.figure)
    with pytest.raises(plots.PlotError, match="not in the map"):
        corpus_map.plot_map(cmap, highlight={"x": ["nope"]})
    plt.close("all")


def test_chunk_spans_html_marks_starts_and_overlaps():
    text = "alpha beta <gamma> delta"
    chunks = [
        Document(page_content="alpha beta <gamma>", metadata={"start_index": 0}),
        Document(page_content="<gamma> delta", metadata={"start_index": 11}),
    ]
    page = plots.chunk_spans_html(text, chunks)
    assert "&lt;gamma&gt;" in page and "<gamma>" not in page
    assert page.count("border-bottom") == 1  # only "<gamma>" is in both chunks
    assert "[0]" in page and "[1]" in page


def test_page_image_renders_a_pdf_page():
    image = plots.page_image("tidewell/handbook.pdf", 0, scale=0.5)
    assert image.ndim == 3 and image.shape[2] == 3
    assert image.shape[0] > image.shape[1]  # portrait
    assert image.min() < 100 and image.max() > 240  # dark text on a white page


def test_the_corpus_map_reads_the_index_own_vectors():
    from helpers.index import chroma

    assert corpus_map.corpus_vectors is chroma.corpus_vectors  # one home: helpers.index.chroma
