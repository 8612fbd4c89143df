"""The course retriever with every knob exposed, and the playground of notebook 10 (ipywidgets).

* :func:`candidates` — the dense and BM25 candidates of many questions at once: the same lists
  as :meth:`helpers.pipeline.HybridRetriever.components`, but one embedding call and one Chroma
  query per script for all of them (notebook 10 measures many query variants on 209 questions).
* :func:`select` — the ``k`` chunks the knobs give: the two lists fused with weight ``alpha``
  (:func:`helpers.pipeline.fuse`), then, when ``lambda_mult < 1``, maximal marginal relevance
  over the fused list (relevance = the fused score, redundancy = cosine between the chunks).
* :class:`Playground` — a question (from a list, or typed), sliders for ``k``, ``lambda_mult``,
  ``fetch_k`` and ``alpha``; shows the retrieved chunks with their sources, their place on the
  corpus map and the answer of the active chat model, and updates on every change. Standard
  ipywidgets only, so it runs in JupyterLab and in Colab.

Chunk size is not a knob: every chunk setting is a separate pair of indexes (MiniLM and USE,
about a minute to build each), too slow to rebuild while a slider moves.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.documents import Document

from helpers.corpus import script_of
from helpers.pipeline import FETCH_K, Scored, fuse
from helpers.rag import source_label

if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_core.language_models.chat_models import BaseChatModel

    from helpers.pipeline import HybridRetriever
    from helpers.plots import CorpusMap

Candidates = tuple[str, Scored, Scored]  # (script, dense, sparse), as HybridRetriever.components


def candidates(
    retriever: HybridRetriever, queries: Iterable[str], fetch_k: int = FETCH_K
) -> dict[str, Candidates]:
    """Return ``{query: (script, dense, sparse)}`` for many queries, batched per script."""
    unique = list(dict.fromkeys(queries))
    out: dict[str, Candidates] = {}
    for script, store in sorted(retriever.stores.items()):
        batch = [q for q in unique if script_of(q) == script]
        if not batch:
            continue
        vectors = store.embeddings.embed_documents(batch)  # type: ignore[union-attr]
        found = store._collection.query(
            query_embeddings=vectors, n_results=fetch_k,
            include=["documents", "metadatas", "distances"],
        )
        for i, query in enumerate(batch):
            dense = [
                (Document(page_content=text, metadata=meta), 1.0 - float(distance))
                for text, meta, distance in zip(
                    found["documents"][i], found["metadatas"][i], found["distances"][i],
                    strict=True,
                )
            ]
            out[query] = (script, dense, retriever.bm25.scores(query, k=fetch_k))
    return out


def store_vectors(store: Chroma) -> dict[str, np.ndarray]:
    """Return ``{chunk id: unit vector}`` of every chunk stored in a Chroma index."""
    got = store.get(include=["embeddings"])
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return dict(zip(got["ids"], vectors, strict=True))


def select(
    dense: Scored,
    sparse: Scored,
    k: int = 5,
    alpha: float = 0.6,
    lambda_mult: float = 1.0,
    vectors: dict[str, np.ndarray] | None = None,
) -> Scored:
    """Return ``k`` chunks: fused with ``alpha``, then re-picked by MMR when ``lambda_mult < 1``.

    MMR repeatedly takes the candidate with the best
    ``lambda_mult * fused - (1 - lambda_mult) * max cosine(candidate, already taken)``;
    ``vectors`` maps chunk ids to their unit vectors (:func:`store_vectors`).
    """
    fused = fuse(dense, sparse, alpha, len(dense) + len(sparse))
    if lambda_mult >= 1.0 or vectors is None or len(fused) <= 1:
        return fused[:k]
    V = np.stack([vectors[d.metadata["chunk_id"]] for d, _ in fused])
    relevance = np.array([s for _, s in fused])
    chosen = [0]
    while len(chosen) < min(k, len(fused)):
        redundancy = (V @ V[chosen].T).max(axis=1)
        score = lambda_mult * relevance - (1 - lambda_mult) * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return [fused[i] for i in chosen]


def chunks_html(hits: Scored, width: int = 160) -> str:
    """Return the retrieved chunks as an HTML list: score, source and the start of the text."""
    items = "".join(
        f"<li><b>{score:.3f}</b> <code>[{html.escape(source_label(doc.metadata))}]</code> "
        f"{html.escape(' '.join(doc.page_content.split())[:width])}…</li>"
        for doc, score in hits
    )
    return f'<ol class="rag-playground-chunks">{items}</ol>'


def map_png(cmap: CorpusMap, query_vector: np.ndarray, ids: Sequence[str]) -> bytes:
    """Return the corpus map as PNG bytes: the question's place and lines to ``ids``."""
    from matplotlib.figure import Figure

    from helpers.plots import plot_map, setup_fonts

    setup_fonts()
    fig = Figure(figsize=(8.5, 4.6), dpi=72)
    ax = fig.add_subplot()
    where = cmap.project(query_vector)[0]
    plot_map(cmap, ax=ax, highlight={"retrieved": list(ids)},
             queries={"question": (where, list(ids))}, title="Where the retrieved chunks lie")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


class Playground:
    """Widgets to try the course pipeline's settings on one question; updates on every change."""

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

        from helpers.models import get_chat_model
        from helpers.pipeline import ALPHA, course_retriever
        from helpers.rag import DEFENDED_PROMPT

        self.retriever = retriever or course_retriever()
        self.reader = ChatPromptTemplate.from_template(DEFENDED_PROMPT) | (
            llm or get_chat_model()
        ) | StrOutputParser()
        if show_map and cmap is None:
            from helpers.plots import corpus_map

            cmap = corpus_map()
        self.cmap = cmap
        self.vectors = {s: store_vectors(st) for s, st in self.retriever.stores.items()}
        self._candidates: dict[tuple[str, int], Candidates] = {}
        wide = {"style": {"description_width": "90px"}, "layout": w.Layout(width="720px")}
        self.question = w.Dropdown(options=list(questions), description="question", **wide)
        self.own = w.Text(placeholder="…or type your own question and press Enter",
                          description="or ask", continuous_update=False, **wide)
        slider = {"style": {"description_width": "90px"}, "continuous_update": False}
        self.k = w.IntSlider(value=5, min=1, max=10, description="k", **slider)
        self.lambda_mult = w.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.1,
                                         description="λ (MMR)", **slider)
        self.fetch_k = w.IntSlider(value=FETCH_K, min=5, max=100, step=5,
                                   description="fetch_k", **slider)
        self.alpha = w.FloatSlider(value=ALPHA["en"], min=0.0, max=1.0, step=0.1,
                                   description="α (dense)", **slider)
        self.chunks = w.HTML()
        self.answer = w.HTML()
        self.map = w.Image(format="png", layout=w.Layout(width="612px"))
        controls = [self.question, self.own, w.HBox([self.k, self.lambda_mult]),
                    w.HBox([self.fetch_k, self.alpha])]
        shown = [self.chunks, self.answer] + ([self.map] if self.cmap is not None else [])
        self.widget = w.VBox([*controls, *shown])
        self.widget.add_class("rag-playground")
        for control in (self.question, self.own, self.k, self.lambda_mult, self.fetch_k,
                        self.alpha):
            control.observe(self.update, names="value")
        self.update()

    def query(self) -> str:
        """Return the question asked: the typed one, else the one picked from the list."""
        return self.own.value.strip() or str(self.question.value)

    def hits(self) -> Scored:
        """Return the chunks the current settings retrieve, with their scores."""
        key = (self.query(), self.fetch_k.value)
        if key not in self._candidates:
            self._candidates[key] = candidates(self.retriever, [key[0]], key[1])[key[0]]
        script, dense, sparse = self._candidates[key]
        return select(dense, sparse, self.k.value, self.alpha.value, self.lambda_mult.value,
                      self.vectors[script])

    def update(self, change: Any = None) -> None:
        """Recompute the chunks, the answer and the map for the current settings."""
        hits = self.hits()
        docs = [d for d, _ in hits]
        self.chunks.value = chunks_html(hits)
        from helpers.rag import format_docs

        text = self.reader.invoke({"context": format_docs(docs), "question": self.query()})
        self.answer.value = f"<p><b>Answer:</b> {html.escape(text).replace(chr(10), '<br>')}</p>"
        if self.cmap is not None:
            from helpers.models import get_embeddings

            vector = np.asarray(get_embeddings().embed_query(self.query()))
            self.map.value = map_png(self.cmap, vector, [d.metadata["chunk_id"] for d in docs])

    def summary(self) -> str:
        """Return the settings and the retrieved sources as text (kept in the stored notebook)."""
        hits = self.hits()
        sources = "; ".join(f"{i}. {source_label(d.metadata)}" for i, (d, _) in
                            enumerate(hits, start=1))
        return (
            f"Playground: {self.query()!r}; k={self.k.value}, λ={self.lambda_mult.value:.1f}, "
            f"fetch_k={self.fetch_k.value}, α={self.alpha.value:.1f}\nretrieved: {sources}"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.summary()  # shown where widgets are not (and kept by nbval)
        return bundle
