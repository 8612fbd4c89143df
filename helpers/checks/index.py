"""Exercise checks of notebooks 04-05: embeddings and the Chroma index.
"""

from __future__ import annotations

from typing import Any

from helpers.checks.common import TODO, report, unanswered


def check_nearest_chunk(chunk: Any, query: str) -> None:
    """Notebook 04: the id of the stored chunk whose vector is most similar to the query's."""
    if unanswered(chunk):
        print(TODO)
        return
    import numpy as np

    from helpers.embeddings.minilm import get_embeddings
    from helpers.index.chroma import corpus_vectors

    ids, vectors, _, _ = corpus_vectors()
    if chunk not in ids:
        report(False, "", "Not a chunk id of the index: take it from the ids of corpus_vectors().")
        return
    sims = vectors @ np.array(get_embeddings().embed_query(query), dtype=np.float32)
    if chunk == ids[int(np.argmin(sims))]:
        report(False, "", "That is the *least* similar chunk: take the highest similarity.")
        return
    report(
        chunk == ids[int(np.argmax(sims))],
        f"Right: similarity {sims.max():.3f}, the highest of all {len(ids)} chunks.",
        "Not the nearest: compare the query vector with every stored vector and take the highest.",
    )


def _english_hits() -> dict[str, int]:
    """Return how many English dev questions (gold in an English document) find their evidence
    in the top 5 of the index's English chunks, with MiniLM and with USE (stored vectors)."""
    import numpy as np
    from langchain_core.documents import Document

    from helpers.embeddings.minilm import get_embeddings
    from helpers.embeddings.use import MultilingualUSEEmbeddings
    from helpers.evaluation.metrics import relevance
    from helpers.index.chroma import corpus_vectors, course_index
    from helpers.questions.course import load_questions

    ids, vectors, metadatas, texts = corpus_vectors()
    rows = [i for i, m in enumerate(metadatas) if ".ko." not in m["source"]]
    chunks = [Document(page_content=texts[i], metadata=metadatas[i]) for i in rows]
    questions = [q for q in load_questions() if q.get("split") == "dev" and q["lang"] == "en"
                 and q["gold"] and ".ko." not in q["gold"]["source"]]
    got = course_index(embedder="use").get(ids=[ids[i] for i in rows], include=["embeddings"])
    by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
    models = {"minilm": (get_embeddings(), vectors[rows]),
              "use": (MultilingualUSEEmbeddings(), np.array([by_id[ids[i]] for i in rows]))}
    counts = {"questions": len(questions)}
    for name, (model, chunk_vectors) in models.items():
        found = 0
        for q in questions:
            sims = chunk_vectors @ np.array(model.embed_query(q["question"]))
            top = np.argsort(-sims, kind="stable")[:5]
            found += any(relevance([chunks[i] for i in top], q["gold"]))
        counts[name] = found
    return counts


def check_use_english(value: Any) -> None:
    """Notebook 04: how many English dev questions (gold in an English document) USE finds in
    the top 5 of the index's English chunks."""
    import numbers

    if unanswered(value):
        print(TODO)
        return
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        report(False, "", "Expected a whole number: how many English questions USE finds.")
        return
    counts = _english_hits()
    if value == counts["minilm"] != counts["use"]:
        report(False, "", "That is MiniLM's count: embed the English chunks and the questions "
                          "with `use`.")
        return
    report(
        value == counts["use"],
        f"Right: of {counts['questions']} English questions USE finds {counts['use']}, MiniLM "
        f"{counts['minilm']}: measure each language apart.",
        "Not USE's count: take the English dev questions whose gold is in an English document, "
        "the index's English chunks, and the top 5.",
    )


def check_news_count(count: Any, store: Any) -> None:
    """Notebook 05: how many chunks of the newsletter the demo collection holds (via a filter)."""
    if unanswered(count):
        print(TODO)
        return
    expected = len(store.get(where={"source": "tidewell/news-2026.txt"}, include=[])["ids"])
    report(
        count == expected,
        "Right: a metadata filter counted them without any similarity search.",
        "Not the count: use the collection's get() with a where filter on the source.",
    )


def check_page_filter(docs: Any) -> None:
    """Notebook 05: handbook chunks from pages 3 to 4 (0-based) that contain the word 'laser'."""
    if unanswered(docs):
        print(TODO)
        return
    if not isinstance(docs, list) or not docs or not all(hasattr(d, "metadata") for d in docs):
        report(False, "", "Expected a non-empty list of Documents from similarity_search.")
        return
    pages_ok = all(3 <= d.metadata.get("page", -1) <= 4 for d in docs)
    word_ok = all("laser" in d.page_content for d in docs)
    if not pages_ok:
        report(False, "", "Some chunks are outside pages 3-4: combine $gte and $lte with $and.")
    else:
        report(word_ok, "Right: metadata and document filters together.",
               "Some chunks lack 'laser': add where_document={'$contains': 'laser'}.")


def _tidewell_found(chunk_size: int, chunk_overlap: int) -> tuple[int, int]:
    """Return how many English Tidewell dev questions find their evidence in the top 3 chunks of
    the handbook and newsletter split at this setting (MiniLM, exact cosine), and of how many."""
    import numpy as np

    from helpers.documents.loaders import load_pdf, load_text
    from helpers.documents.splitting import split_documents
    from helpers.embeddings.minilm import get_embeddings
    from helpers.evaluation.metrics import is_relevant
    from helpers.questions.course import load_questions

    sources = ("tidewell/handbook.pdf", "tidewell/news-2026.txt")
    docs = load_pdf(sources[0]) + load_text(sources[1])
    chunks = split_documents(docs, chunk_size, chunk_overlap)
    questions = [q for q in load_questions() if q.get("split") == "dev" and q["lang"] == "en"
                 and q["answerable"] and q["gold"]["source"] in sources]
    emb = get_embeddings()
    vectors = np.array(emb.embed_documents([c.page_content for c in chunks]))
    found = 0
    for q in questions:
        top = np.argsort(-(vectors @ np.array(emb.embed_query(q["question"]))), kind="stable")[:3]
        found += any(is_relevant(chunks[i], q["gold"]) for i in top)
    return found, len(questions)


def check_small_chunks(value: Any) -> None:
    """Notebook 05: how many Tidewell dev questions find their evidence in the top 3 of a
    collection of the handbook and newsletter split at 250/25."""
    import numbers

    if unanswered(value):
        print(TODO)
        return
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        report(False, "", "Expected a whole number: what found_in_top3(small) returns.")
        return
    small, n = _tidewell_found(250, 25)
    usual, _ = _tidewell_found(500, 50)
    if value == usual != small:
        report(False, "", "That is the 500/50 collection's count: measure `small`, split at "
                          "250/25.")
        return
    change = "fewer than" if small < usual else "more than" if small > usual else "as many as"
    report(
        value == small,
        f"Right: {small} of {n} at 250/25, {change} at 500/50 ({usual}).",
        "Not the count of a 250/25 collection: split docs at 250/25, store them, and count with "
        "found_in_top3.",
    )
