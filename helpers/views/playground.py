"""The course retriever with every knob exposed, and the playground of notebook 15 (ipywidgets).

* :func:`chunk_index` — the course retriever at any chunk setting of notebook 12's sweep
  (:data:`helpers.evaluation.sweeps.SWEEP`): at 500/50 the course's own indexes; at the others
  the same :class:`~helpers.retrieval.hybrid.HybridRetriever` over in-memory Chroma collections
  filled with the chunks' stored MiniLM and USE vectors
  (:func:`helpers.index.vectors.setting_vectors`, built by ``make index``) and a BM25 index
  built in memory — nothing is embedded but the question.
* :class:`Playground` — a question (from a list, or typed), sliders for the chunk setting, ``k``,
  ``lambda_mult``, ``fetch_k`` and ``alpha``; shows the retrieved chunks with their sources, their
  place on the corpus map and the answer of the active chat model, and updates on every change.
  Standard ipywidgets only, so it runs in JupyterLab and in Colab.

The corpus map is fitted on the 500/50 index, so a chunk of another setting has no dot of its
own: it is drawn at the 500/50 chunk its text overlaps most (:func:`overlapping_chunks`), and the
widget says so under the map.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.documents import Document

from helpers.documents.splitting import CHUNK_OVERLAP, CHUNK_SIZE
from helpers.index.chroma import memory_store
from helpers.index.vectors import store_vectors
from helpers.prompts import source_label
from helpers.retrieval.hybrid import FETCH_K, Candidates, Scored, candidates
from helpers.retrieval.mmr import select
from helpers.views.corpus_map import map_png
from helpers.views.plots import chunks_html

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

    from helpers.retrieval.hybrid import HybridRetriever
    from helpers.views.corpus_map import CorpusMap


Setting = tuple[int, int]  # (chunk_size, chunk_overlap)


#: The chunk setting of the course index, and of the corpus map.
DEFAULT_SETTING: Setting = (CHUNK_SIZE, CHUNK_OVERLAP)


def setting_label(setting: Setting) -> str:
    """Return a chunk setting as the slider shows it: ``"500/50"`` (size/overlap, characters)."""
    return f"{setting[0]}/{setting[1]}"


@lru_cache(maxsize=1)
def _corpus() -> tuple[Document, ...]:
    from helpers.documents.loaders import load_corpus

    return tuple(load_corpus())


@lru_cache(maxsize=8)
def setting_chunks(chunk_size: int, chunk_overlap: int) -> list[Document]:
    """Return the course corpus split at one chunk setting (loaded once per process)."""
    from helpers.documents.splitting import split_documents

    return split_documents(_corpus(), chunk_size, chunk_overlap)


def overlapping_chunks(
    chunks: Iterable[Document], reference: Iterable[Document]
) -> dict[str, str]:
    """Return ``{chunk id: id of the reference chunk of the same page whose text span overlaps
    it most}`` (ties: the earlier one); chunks of a page without reference chunks are left out."""
    spans: dict[tuple[Any, Any], list[tuple[int, int, str]]] = {}
    for ref in reference:
        m = ref.metadata
        start = int(m["start_index"])
        spans.setdefault((m["source"], m.get("page")), []).append(
            (start, start + len(ref.page_content), m["chunk_id"])
        )
    out = {}
    for chunk in chunks:
        m = chunk.metadata
        start = int(m["start_index"])
        end = start + len(chunk.page_content)
        page = spans.get((m["source"], m.get("page")))
        if page:
            best = max(page, key=lambda s: (min(end, s[1]) - max(start, s[0]), -s[0]))
            out[m["chunk_id"]] = best[2]
    return out


@dataclass
class ChunkIndex:
    """The course retriever over the chunks of one setting, with what the playground needs."""

    setting: Setting
    retriever: HybridRetriever
    vectors: dict[str, dict[str, np.ndarray]]  # script -> {chunk id: unit vector} (for MMR)
    on_map: dict[str, str]  # chunk id -> the id of the 500/50 chunk it is drawn at
    size: int  # how many chunks

    @property
    def label(self) -> str:
        """Return the setting as ``"size/overlap"``."""
        return setting_label(self.setting)


def chunk_index_ready(chunk_size: int, chunk_overlap: int) -> bool:
    """Return True when :func:`chunk_index` needs no embedding: the course index's setting, or
    one whose vectors ``make index`` has stored for every dense embedder."""
    from helpers.index.vectors import setting_vectors_cached
    from helpers.retrieval.hybrid import DENSE

    if (chunk_size, chunk_overlap) == DEFAULT_SETTING:
        return True
    chunks = setting_chunks(chunk_size, chunk_overlap)
    return all(
        setting_vectors_cached(chunk_size, chunk_overlap, name, chunks)
        for name in set(DENSE.values())
    )


def _index_of(
    setting: Setting, retriever: HybridRetriever,
    vectors: dict[str, dict[str, np.ndarray]] | None = None,
) -> ChunkIndex:
    from helpers.retrieval.course import course_bm25

    if vectors is None:  # read back from the stores
        vectors = {script: store_vectors(store) for script, store in retriever.stores.items()}
    return ChunkIndex(
        setting=setting, retriever=retriever, vectors=vectors,
        on_map=overlapping_chunks(retriever.bm25.docs, course_bm25().docs),
        size=len(retriever.bm25.docs),
    )


@lru_cache(maxsize=8)
def chunk_index(chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> ChunkIndex:
    """Return the course retriever (its ``DENSE`` embedders, ``ALPHA``, BM25) over the corpus
    split at this setting: the course's indexes at 500/50, else in-memory collections of the
    stored vectors (embedded once, and only when ``make index`` has not: minutes)."""
    from helpers.index.vectors import setting_vectors
    from helpers.retrieval.bm25 import BM25Retriever
    from helpers.retrieval.course import course_retriever
    from helpers.retrieval.hybrid import ALPHA, DENSE, HybridRetriever

    setting = (chunk_size, chunk_overlap)
    if setting == DEFAULT_SETTING:
        return _index_of(setting, course_retriever())
    chunks = setting_chunks(chunk_size, chunk_overlap)
    ids = [c.metadata["chunk_id"] for c in chunks]
    stores: dict[str, Any] = {}
    vectors: dict[str, dict[str, np.ndarray]] = {}
    for name in dict.fromkeys(DENSE.values()):
        V = setting_vectors(chunk_size, chunk_overlap, name, chunks)
        store = memory_store(chunks, V, name)
        units = dict(zip(ids, V / np.linalg.norm(V, axis=1, keepdims=True), strict=True))
        for script in [s for s, n in DENSE.items() if n == name]:
            stores[script], vectors[script] = store, units
    retriever = HybridRetriever(
        bm25=BM25Retriever.from_documents(chunks), stores=stores, alpha=ALPHA
    )
    return _index_of(setting, retriever, vectors)






def map_note(index: ChunkIndex, hits: Scored) -> str:
    """Return the sentence under the map: which index it shows, and where the chunks are drawn."""
    if index.setting == DEFAULT_SETTING:
        return (f"Map of the {index.label} index (the course's): each retrieved chunk is "
                "circled at its own dot.")
    places = {index.on_map.get(d.metadata["chunk_id"]) for d, _ in hits} - {None}
    return (f"Map of the {setting_label(DEFAULT_SETTING)} index: {index.label} chunks have no "
            f"dots of their own, so each retrieved chunk is circled at the "
            f"{setting_label(DEFAULT_SETTING)} chunk its text overlaps most "
            f"({len(hits)} chunks, {len(places)} places).")


class Playground:
    """Widgets to try the course pipeline's settings on one question; updates on every change.

    With the course retriever (``retriever=None``) the chunk-size slider offers every setting of
    :data:`helpers.evaluation.sweeps.SWEEP`; those whose vectors are stored are prepared here (a few
    seconds), any other the first time it is picked. Your own ``retriever`` has one setting.
    """

    def __init__(
        self,
        questions: Sequence[str],
        retriever: HybridRetriever | None = None,
        llm: BaseChatModel | None = None,
        cmap: CorpusMap | None = None,
        show_map: bool = True,
    ) -> None:
        import ipywidgets as w
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate

        from helpers.evaluation.sweeps import SWEEP
        from helpers.models.chat import get_chat_model
        from helpers.prompts import DEFENDED_PROMPT
        from helpers.retrieval.hybrid import ALPHA

        self.reader = ChatPromptTemplate.from_template(DEFENDED_PROMPT) | (
            llm or get_chat_model()
        ) | StrOutputParser()
        if show_map and cmap is None:
            from helpers.views.corpus_map import corpus_map

            cmap = corpus_map()
        self.cmap = cmap
        self.indexes: dict[Setting, ChunkIndex] = {}
        if retriever is None:
            settings = [tuple(s) for s in SWEEP]
            for setting in settings:  # ready ones now, so that a slider move only retrieves
                if chunk_index_ready(*setting):
                    self.indexes[setting] = chunk_index(*setting)
        else:
            settings = [DEFAULT_SETTING]
            self.indexes[DEFAULT_SETTING] = _index_of(DEFAULT_SETTING, retriever)
        self.retriever = self.indexes[DEFAULT_SETTING].retriever
        self._candidates: dict[tuple[Setting, str, int], Candidates] = {}
        self._query_vectors: dict[str, np.ndarray] = {}
        wide = {"style": {"description_width": "90px"}, "layout": w.Layout(width="720px")}
        self.question = w.Dropdown(options=list(questions), description="question", **wide)
        self.own = w.Text(placeholder="…or type your own question and press Enter",
                          description="or ask", continuous_update=False, **wide)
        slider = {"style": {"description_width": "90px"}, "continuous_update": False}
        self.k = w.IntSlider(value=5, min=1, max=10, description="k", **slider)
        self.chunk_size = w.SelectionSlider(
            options=[(setting_label(st), st) for st in settings], value=DEFAULT_SETTING,
            description="chunk size", disabled=retriever is not None, **slider)
        self.lambda_mult = w.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.1,
                                         description="λ (MMR)", **slider)
        self.fetch_k = w.IntSlider(value=FETCH_K, min=5, max=100, step=5,
                                   description="fetch_k", **slider)
        self.alpha = w.FloatSlider(value=ALPHA["en"], min=0.0, max=1.0, step=0.1,
                                   description="α (dense)", **slider)
        self.status = w.HTML()
        self.chunks = w.HTML()
        self.answer = w.HTML()
        self.note = w.HTML()
        self.map = w.Image(format="png", layout=w.Layout(width="612px"))
        # k before chunk size: tests/test_browser.py finds the k slider as the first whose label
        # contains a "k".
        controls = [self.question, self.own, w.HBox([self.k, self.chunk_size]),
                    w.HBox([self.lambda_mult, self.fetch_k]), self.alpha]
        shown = [self.status, self.chunks, self.answer] + (
            [self.note, self.map] if self.cmap is not None else [])
        self.widget = w.VBox([*controls, *shown])
        self.widget.add_class("rag-playground")
        for control in (self.question, self.own, self.k, self.chunk_size, self.lambda_mult,
                        self.fetch_k, self.alpha):
            control.observe(self.update, names="value")
        self.update()

    def query(self) -> str:
        """Return the question asked: the typed one, else the one picked from the list."""
        return self.own.value.strip() or str(self.question.value)

    def index(self) -> ChunkIndex:
        """Return the index of the chosen chunk setting, preparing it on first use."""
        setting = tuple(self.chunk_size.value)
        if setting not in self.indexes:
            self.status.value = (
                f"<p><i>Embedding the {setting_label(setting)} chunks with MiniLM and USE, once "
                "(make index does this ahead of time)…</i></p>")
            self.indexes[setting] = chunk_index(*setting)
            self.status.value = ""
        return self.indexes[setting]

    def hits(self) -> Scored:
        """Return the chunks the current settings retrieve, with their scores."""
        index = self.index()
        key = (index.setting, self.query(), self.fetch_k.value)
        if key not in self._candidates:
            self._candidates[key] = candidates(index.retriever, [key[1]], key[2])[key[1]]
        script, dense, sparse = self._candidates[key]
        return select(dense, sparse, self.k.value, self.alpha.value, self.lambda_mult.value,
                      index.vectors[script])

    def update(self, change: Any = None) -> None:
        """Recompute the chunks, the answer and the map for the current settings."""
        hits = self.hits()
        docs = [d for d, _ in hits]
        self.chunks.value = chunks_html(hits)
        from helpers.prompts import format_docs

        text = self.reader.invoke({"context": format_docs(docs), "question": self.query()})
        self.answer.value = f"<p><b>Answer:</b> {html.escape(text).replace(chr(10), '<br>')}</p>"
        if self.cmap is not None:
            from helpers.embeddings.minilm import get_embeddings

            index, query = self.index(), self.query()
            if query not in self._query_vectors:
                self._query_vectors[query] = np.asarray(get_embeddings().embed_query(query))
            places = [index.on_map[d.metadata["chunk_id"]] for d in docs
                      if d.metadata["chunk_id"] in index.on_map]
            self.note.value = f"<p><small>{html.escape(map_note(index, hits))}</small></p>"
            self.map.value = map_png(
                self.cmap, self._query_vectors[query], list(dict.fromkeys(places)),
                title=f"Where the retrieved {index.label} chunks lie")

    def summary(self) -> str:
        """Return the settings and the retrieved sources as text (kept in the stored notebook)."""
        hits = self.hits()
        index = self.index()
        sources = "".join(f"\n  {i}. {source_label(d.metadata)} ({len(d.page_content)})"
                          for i, (d, _) in enumerate(hits, start=1))
        text = (  # one item a line, at most 100 characters (a projector's width)
            textwrap.fill(f"Playground: {self.query()!r}", 100, subsequent_indent="  ")
            + f"\nchunk size {index.label} ({index.size} chunks), k={self.k.value}, "
            f"λ={self.lambda_mult.value:.1f}, fetch_k={self.fetch_k.value}, "
            f"α={self.alpha.value:.1f}\nretrieved (characters):{sources}"
        )
        if self.cmap is not None:
            text += "\n" + textwrap.fill(map_note(index, hits), 100)
        return text

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.summary()  # shown where widgets are not (and kept by nbval)
        return bundle
