"""Self-checks for the exercises: they say what is wrong, never what the answer is.

A check prints one line (✅, ❌ or ✏️) and returns nothing; it never raises, so a notebook whose
exercises are still blank runs top to bottom (and nbval can compare its outputs). Each notebook's
checks are in its own section below, named ``check_<what>``.
"""

from __future__ import annotations

import functools
from typing import Any

TODO = "✏️  Not answered yet: fill in the cell above, then run this check again."


def unanswered(value: Any) -> bool:
    """Return True when an exercise variable still holds its placeholder (``...`` or None)."""
    return value is ... or value is None


def report(ok: bool, success: str, hint: str) -> None:
    """Print ``✅ success`` or ``❌ hint``."""
    print(f"✅ {success}" if ok else f"❌ {hint}")


# --- 00 overview ----------------------------------------------------------------------------


def _teaser_sample() -> list[dict[str, Any]]:
    """Return notebook 00's sample: every third answerable English dev question."""
    from helpers.corpus import load_questions

    dev = [q for q in load_questions()
           if q.get("split") == "dev" and q["lang"] == "en" and q["answerable"]]
    return dev[::3]


def _found(retriever: Any) -> int:
    """Return how many of notebook 00's sample questions get a retrieved chunk that holds their
    gold evidence."""
    from helpers.metrics import is_relevant

    return sum(any(is_relevant(d, q["gold"]) for d in retriever.invoke(q["question"]))
               for q in _teaser_sample())


def check_teaser_change(retriever: Any, count: Any) -> None:
    """Notebook 00: a retriever with another setting than the teaser's MMR (k=5, fetch_k=50),
    and how many of the sample's dev questions it retrieves the evidence for."""
    import numbers

    if unanswered(retriever) or unanswered(count):
        print(TODO)
        return
    if not hasattr(retriever, "invoke"):
        report(False, "", "Expected a retriever: the result of vectorstore.as_retriever(...).")
        return
    kwargs = dict(getattr(retriever, "search_kwargs", None) or {})
    if getattr(retriever, "search_type", None) == "mmr" and kwargs == {"k": 5, "fetch_k": 50}:
        report(False, "", "That is the teaser's own setting: change k, fetch_k or search_type.")
        return
    if not isinstance(count, numbers.Integral) or isinstance(count, bool):
        report(False, "", "Expected a whole number: how many sample questions it finds.")
        return
    from helpers.pipeline import seed_retriever

    mine = _found(retriever)
    report(
        count == mine,
        f"Right: {mine} of {len(_teaser_sample())} with your setting, "
        f"{_found(seed_retriever())} with the teaser's MMR (k=5, fetch_k=50).",
        "Not what this retriever finds on the sample: count with found(my_retriever).",
    )


# --- 01 loaders, 02 PDF cleaning ------------------------------------------------------------


def check_glued_pages(pages: Any) -> None:
    """Notebook 01: the FAQ pages whose pypdf text has a glued share above 0.1."""
    if unanswered(pages):
        print(TODO)
        return
    if not isinstance(pages, list) or not all(isinstance(p, int) for p in pages):
        report(False, "", "Expected a list of page numbers (whole numbers from metadata['page']).")
        return
    from pypdf import PdfReader

    from helpers.corpus import data_path, glued_share

    reader = PdfReader(data_path("debian-faq/debian-faq.en.pdf"))
    shares = [glued_share(page.extract_text()) for page in reader.pages]
    expected = [i for i, share in enumerate(shares) if share > 0.1]
    missing, extra = set(expected) - set(pages), set(pages) - set(expected)
    if not pages:
        hint = "An empty list: did you measure the PDFium pages? Use faq_pages, read by pypdf."
    elif extra:
        hint = f"{len(extra)} of your pages have a glued share of 0.1 or less: check the threshold."
    elif missing:
        hint = f"{len(missing)} glued page(s) missing: go through every page of faq_pages."
    else:
        hint = "The right pages, but keep them in page order, each once."
    report(
        pages == expected,
        f"Right: {len(expected)} of {len(shares)} pages; the others are blank, the title page, "
        "the index and two short pages.",
        hint,
    )


def check_running_header(line: Any) -> None:
    """Notebook 02: the running header line repeated on the handbook's pages."""
    if unanswered(line):
        print(TODO)
        return
    from helpers.corpus import load_pdf, repeated_lines

    pages = [d.page_content for d in load_pdf("tidewell/handbook.pdf", clean=False)]
    report(
        isinstance(line, str) and line.strip() in repeated_lines(pages),
        "That line repeats on the pages: a running header that cleaning should remove.",
        "Not a line repeated on most pages: try repeated_lines() on the raw (clean=False) pages.",
    )


def check_folder_docs(docs: Any) -> None:
    """Notebook 01: every .txt file under data/tidewell, sub-folders included, as Documents."""
    if unanswered(docs):
        print(TODO)
        return
    if not isinstance(docs, list) or not all(hasattr(d, "metadata") for d in docs):
        report(False, "", "Expected a list of Documents, as corpus.load_text returns.")
        return
    from helpers.corpus import data_path
    from helpers.settings import relative

    expected = sorted(relative(p) for p in data_path("tidewell").rglob("*.txt"))
    sources = [str(d.metadata.get("source", "")) for d in docs]
    if any(not s.endswith(".txt") for s in sources):
        hint = "Some Documents are not from .txt files: keep only the text files."
    elif len(sources) != len(set(sources)):
        hint = "Some files were loaded twice: load each file once."
    elif set(sources) < set(expected):
        hint = "A file in a sub-folder is missing: glob() looks only in the folder itself."
    else:
        hint = "Not the .txt files of data/tidewell: check the folder."
    report(
        sorted(sources) == expected,
        f"Right: {len(expected)} text files, one Document each, from every sub-folder.",
        hint,
    )


def _dev_hit_at_5(docs: list[Any], source: str, split: str = "dev") -> float:
    """Return hit@5 of BM25 (k=5) over ``docs`` split 500/50, on the questions of ``split``
    whose gold is in ``source`` (notebooks 01 and 02 measure a loading choice this way)."""
    from helpers.bm25 import BM25Retriever
    from helpers.corpus import load_questions, split_documents
    from helpers.metrics import hit_at_k, mean, relevance

    questions = [
        q for q in load_questions()
        if q["split"] == split and q["gold"] and q["gold"]["source"] == source
    ]
    retriever = BM25Retriever.from_documents(split_documents(docs), k=5)
    return mean(
        hit_at_k(relevance(retriever.invoke(q["question"]), q["gold"]), 5) for q in questions
    )


def _is_share(value: Any) -> bool:
    """Return True for a number from 0 to 1 (a bool is no share)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


@functools.lru_cache(maxsize=1)
def _engine_hit5() -> dict[str, float]:
    """Return check_engine_cost's expected answer (computed once per kernel: pypdf is slow)."""
    from helpers.corpus import load_pdf

    source = "debian-faq/debian-faq.en.pdf"
    return {e: _dev_hit_at_5(load_pdf(source, engine=e), source) for e in ("pdfium", "pypdf")}


def check_engine_cost(hit5: Any) -> None:
    """Notebook 01: hit@5 of BM25 over the FAQ PDF's chunks on its dev questions, the PDF read
    by each engine: ``{"pdfium": ..., "pypdf": ...}``."""
    if unanswered(hit5) or isinstance(hit5, dict) and any(unanswered(v) for v in hit5.values()):
        print(TODO)
        return
    if not isinstance(hit5, dict) or set(hit5) != {"pdfium", "pypdf"}:
        report(False, "", 'Expected a dict with two keys, "pdfium" and "pypdf", one hit@5 each.')
        return
    if not all(_is_share(v) for v in hit5.values()):
        report(False, "", "hit@5 is a share of questions (0 to 1): divide by len(dev_faq).")
        return
    expected = _engine_hit5()
    close = {e: abs(hit5[e] - expected[e]) < 1e-9 for e in expected}
    if all(close.values()):
        report(True, f"Right: pypdf's glued text drops hit@5 from {expected['pdfium']:.2f} to "
               f"{expected['pypdf']:.2f}.", "")
    elif {round(v, 9) for v in hit5.values()} == {round(v, 9) for v in expected.values()}:
        report(False, "", "The two figures are swapped: which engine glues the words?")
    elif hit5["pdfium"] == hit5["pypdf"]:
        report(False, "", "Both figures are equal: did each load pass its own engine=...?")
    else:
        wrong = " and ".join(e for e in expected if not close[e])
        report(False, "", f"Off for {wrong}: change only engine=, then split_documents, "
               "BM25 with k=5, dev_faq.")


def check_contents_cost(value: Any) -> None:
    """Notebook 02: hit@5 of BM25 over the Korean FAQ's chunks on its dev questions, with the
    table of contents kept (``load_text(..., clean=False)``)."""
    if unanswered(value):
        print(TODO)
        return
    if not _is_share(value):
        report(False, "", "Expected hit@5: one number from 0 to 1, as hit_at_5 returns.")
        return
    from helpers.corpus import load_text

    source = "debian-faq/debian-faq.ko.txt"
    kept = _dev_hit_at_5(load_text(source, clean=False), source)
    dropped = _dev_hit_at_5(load_text(source), source)
    if abs(value - kept) < 1e-9:
        report(True, f"Right: keeping the contents drops hit@5 from {dropped:.2f} to {kept:.2f}; "
               "the step pays for itself.", "")
    elif abs(value - dropped) < 1e-9:
        report(False, "", "That is hit@5 with the contents dropped (the default): switch the step "
               "off with clean=False.")
    else:
        report(False, "", "Not hit@5 of the Korean FAQ with its contents kept: use hit_at_5 "
               "on load_text(..., clean=False).")


# --- 03 splitters ---------------------------------------------------------------------------


MODEL_LIMIT = 256  # word pieces all-MiniLM-L6-v2 reads; the rest of a text is dropped


def _n_tokens(texts: list[str]) -> list[int]:
    """Return the number of word pieces (special tokens included) of each text for MiniLM."""
    from helpers.models import get_tokenizer

    return [len(ids) for ids in get_tokenizer()(texts)["input_ids"]]


def check_news_chunks(chunks: Any) -> None:
    """Notebook 03: the newsletter split with chunk_size=300, chunk_overlap=30, start indexes on."""
    if unanswered(chunks):
        print(TODO)
        return
    from helpers.corpus import load_text, split_documents

    expected = split_documents(load_text("tidewell/news-2026.txt"), 300, 30)
    if not isinstance(chunks, list) or not all(hasattr(c, "metadata") for c in chunks):
        report(False, "", "Expected a list of Documents, as split_documents() returns.")
    elif any(len(c.page_content) > 300 for c in chunks):
        report(False, "", "Some chunks are longer than 300 characters: check chunk_size.")
    elif any("start_index" not in c.metadata for c in chunks):
        report(False, "", "The chunks have no start_index: turn on add_start_index.")
    else:
        report(
            [c.page_content for c in chunks] == [c.page_content for c in expected],
            f"{len(chunks)} chunks, each with its source and start index.",
            "Not the chunks of news-2026.txt at chunk_size=300, chunk_overlap=30: check both.",
        )


def check_safe_size(size: Any) -> None:
    """Notebook 03: the largest character chunk_size (100..500, step 50, overlap size // 10) at
    which no chunk of the Korean FAQ exceeds the model's 256 word pieces."""
    if unanswered(size):
        print(TODO)
        return
    sizes = list(range(100, 501, 50))
    if size not in sizes:
        report(False, "", "Expected one of 100, 150, 200, ..., 500 (a whole number).")
        return
    from helpers.corpus import load_text, split_documents

    ko = load_text("debian-faq/debian-faq.ko.txt")

    def cut(n: int) -> int:
        chunks = split_documents(ko, n, n // 10)
        return sum(t > MODEL_LIMIT for t in _n_tokens([c.page_content for c in chunks]))

    if cut(size):
        report(False, "", f"At {size} some Korean chunks still exceed 256 word pieces: go smaller.")
        return
    report(
        size == 500 or cut(size + 50) > 0,
        f"Right: {size} is the largest of 100, 150, ..., 500 at which no Korean chunk"
        " exceeds 256 word pieces.",
        f"{size} is safe, but so is a larger size: find the largest.",
    )


def _letters(text: str) -> int:
    """Return the number of characters of ``text`` that are not whitespace."""
    return len("".join(text.split()))


def check_token_chunks(chunks: Any) -> None:
    """Notebook 03: notice.ko.txt split so that no chunk exceeds 128 word pieces of MiniLM."""
    if unanswered(chunks):
        print(TODO)
        return
    if not chunks or not isinstance(chunks, list) or not hasattr(chunks[0], "metadata"):
        report(False, "", "Expected a non-empty list of Documents, as split_documents() returns.")
        return
    from helpers.corpus import load_text

    text = load_text("tidewell/notice.ko.txt")[0].page_content
    sizes = _n_tokens([c.page_content for c in chunks])
    too_long = sum(n > 128 for n in sizes)
    if any(c.metadata.get("source") != "tidewell/notice.ko.txt" for c in chunks):
        report(False, "", "Split the Documents of tidewell/notice.ko.txt only (load_text).")
    elif too_long:
        report(False, "", f"{too_long} chunk(s) over 128 word pieces: leave room for [CLS], [SEP].")
    elif sum(_letters(c.page_content) for c in chunks) < 0.95 * _letters(text):
        report(False, "", "The chunks miss part of the notice: split the whole text.")
    else:
        report(
            sum(sizes) / len(sizes) >= 64,
            f"Right: {len(chunks)} chunks, the longest {max(sizes)} word pieces.",
            "Every chunk fits, but most are far shorter than needed: use most of the 128.",
        )

# --- 04 embeddings --------------------------------------------------------------------------


def check_nearest_chunk(chunk: Any, query: str) -> None:
    """Notebook 04: the id of the stored chunk whose vector is most similar to the query's."""
    if unanswered(chunk):
        print(TODO)
        return
    import numpy as np

    from helpers.index import corpus_vectors
    from helpers.models import get_embeddings

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

    from helpers.corpus import load_questions
    from helpers.index import corpus_vectors, course_index
    from helpers.metrics import relevance
    from helpers.models import get_embeddings
    from helpers.multilingual import MultilingualUSEEmbeddings

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

# --- 05 chroma ------------------------------------------------------------------------------


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

    from helpers.corpus import load_pdf, load_questions, load_text, split_documents
    from helpers.metrics import is_relevant
    from helpers.models import get_embeddings

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

# --- 06 retrievers and MMR ------------------------------------------------------------------


def check_threshold_retriever(retriever: Any) -> None:
    """Notebook 06: a score-threshold retriever that returns nothing for an off-topic question."""
    if unanswered(retriever):
        print(TODO)
        return
    if not hasattr(retriever, "invoke"):
        report(False, "", "Expected a retriever: the result of vectorstore.as_retriever(...).")
        return
    import logging

    # LangChain logs a warning when a threshold leaves nothing — here that is the expected case.
    log = logging.getLogger("langchain_core.vectorstores.base")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        off_topic = retriever.invoke("What is the recipe for a chocolate cake?")
        on_topic = retriever.invoke("How much does a Maker membership cost per year?")
    finally:
        log.setLevel(level)
    if off_topic:
        report(False, "", "It still returns chunks for an off-topic question: raise the threshold.")
    else:
        report(bool(on_topic), "Right: nothing for cake, something for the membership price.",
               "It returns nothing at all, even on topic: lower the threshold.")


NO_KOREAN = {"source": {"$ne": "debian-faq/debian-faq.ko.txt"}}


def _english_dev_hits() -> dict[str, int]:
    """Return how many English answerable dev questions find their evidence in the top 5 of the
    course index (MiniLM) by similarity, by MMR (k=5, fetch_k=50), and by that MMR searching
    without the Korean FAQ; and how many questions there are."""
    from helpers.corpus import load_questions
    from helpers.index import course_index
    from helpers.metrics import relevance

    store = course_index()
    retrievers = {
        "similarity": store.as_retriever(search_type="similarity", search_kwargs={"k": 5}),
        "mmr": store.as_retriever(search_type="mmr", search_kwargs={"k": 5, "fetch_k": 50}),
        "no_korean": store.as_retriever(
            search_type="mmr", search_kwargs={"k": 5, "fetch_k": 50, "filter": NO_KOREAN}
        ),
    }
    questions = [q for q in load_questions()
                 if q.get("split") == "dev" and q["lang"] == "en" and q["answerable"]]
    counts = {"questions": len(questions)}
    for name, retriever in retrievers.items():
        counts[name] = sum(any(relevance(retriever.invoke(q["question"])[:5], q["gold"]))
                           for q in questions)
    return counts


def check_no_korean_mmr(value: Any) -> None:
    """Notebook 06: how many English answerable dev questions MMR (k=5, fetch_k=50) hits in the
    top 5 when it searches without the Korean FAQ."""
    import numbers

    if unanswered(value):
        print(TODO)
        return
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        report(False, "", "Expected a whole number: how many English dev questions it hits.")
        return
    counts = _english_dev_hits()
    if value == counts["similarity"] != counts["no_korean"]:
        report(False, "", "That is similarity's count: the retriever must be MMR "
                          "(search_type='mmr').")
        return
    report(
        value == counts["no_korean"],
        f"Right: {counts['no_korean']} of {counts['questions']} without the Korean FAQ; MMR over "
        f"the whole index {counts['mmr']}, similarity {counts['similarity']}.",
        "Not the count of MMR (k=5, fetch_k=50, filter=no_korean) on the English answerable dev "
        "questions: check the filter, the split and the language.",
    )

# --- 06 chain -------------------------------------------------------------------------------


def check_sources_chain(chain: Any) -> None:
    """Notebook 08: a chain returning {"answer": str, "sources": [labels]} for a question."""
    if unanswered(chain):
        print(TODO)
        return
    if not hasattr(chain, "invoke"):
        report(False, "", "Expected a runnable (an LCEL chain) with an invoke method.")
        return
    out = chain.invoke("How long must the fume extraction run after a laser job?")
    if not isinstance(out, dict) or not {"answer", "sources"} <= set(out):
        report(False, "", "The output should be a dict with the keys 'answer' and 'sources'.")
    elif not all(isinstance(s, str) for s in out["sources"]):
        report(False, "", "'sources' should be a list of labels (strings), e.g. source_label().")
    else:
        report(any("handbook" in s for s in out["sources"]),
               "Right: the answer travels with the labels of the chunks it came from.",
               "The sources do not include the handbook: is the retriever in the chain?")


def check_citing_prompt(template: Any) -> None:
    """Notebook 08: a prompt template with {context} and {question} that asks for citations."""
    if unanswered(template):
        print(TODO)
        return
    variables = set(getattr(template, "input_variables", []))
    if variables != {"context", "question"}:
        report(False, "", f"The template's variables are {sorted(variables)}; keep exactly "
               "'context' and 'question' so the chain can fill them.")
        return
    from langchain_core.prompts import ChatPromptTemplate

    from helpers.rag import DEFENDED_PROMPT, SEED_PROMPT

    def messages(p: Any) -> list[tuple[str, str]]:
        return [(m.type, str(m.content)) for m in p.format_messages(context="C", question="Q")]

    if hasattr(template, "format_messages") and any(
            messages(template) == messages(ChatPromptTemplate.from_template(t))
            for t in (SEED_PROMPT, DEFENDED_PROMPT)):
        report(False, "", "That is one of the notebook's two prompts: write one of your own.")
        return
    text = str(template.format(context="C", question="Q")).lower()
    report("cite" in text or "source" in text, "Right: same variables, and it asks for sources.",
           "It never asks the model to cite its sources.")


def _reader_on_dev_at_k(k: int) -> dict[str, Any]:
    """Return :func:`helpers.answers.evaluate_reader` on the dev questions of the course pipeline
    with the offline reader and ``k`` retrieved chunks."""
    from helpers.answers import evaluate_reader
    from helpers.corpus import load_questions
    from helpers.pipeline import course_chain
    from helpers.standin import ExtractiveChatModel

    dev = [q for q in load_questions() if q.get("split") == "dev"]
    return evaluate_reader(course_chain(ExtractiveChatModel(), k=k), dev)


def _is_dev_evaluation(result: Any) -> bool:
    """Return whether ``result`` is what ``evaluate_reader`` returns on the dev questions; if not,
    print why (the placeholder, another type, other questions) and return False."""
    if unanswered(result):
        print(TODO)
        return False
    if not isinstance(result, dict) or not {"rows", "right", "wrong", "declined"} <= set(result):
        report(False, "", "Expected the dict that evaluate_reader returns (with 'right', "
               "'wrong', 'declined' and 'rows').")
        return False
    from helpers.corpus import load_questions

    dev_ids = [q["id"] for q in load_questions() if q.get("split") == "dev"]
    if [r.get("id") for r in result["rows"]] != dev_ids:
        report(False, "", "These rows are not the dev questions: pass every question whose "
               "split is 'dev', in the file's order.")
        return False
    return True


def check_more_chunks(result: Any, k: int = 10) -> None:
    """Notebook 08: ``evaluate_reader`` on the dev questions of the course pipeline with the
    offline reader (``ExtractiveChatModel()``) and ``k`` retrieved chunks."""
    if not _is_dev_evaluation(result):
        return
    want = _reader_on_dev_at_k(k)
    counts = ("right", "wrong", "declined", "unanswerable_declined")
    if not all(result.get(c) == want[c] for c in counts):
        report(False, "", f"Not the counts of course_chain(ExtractiveChatModel(), k={k}) on dev: "
               "check k, and that the chain's model is the offline reader.")
        return

    def line(n: int, r: dict[str, Any]) -> str:
        return (f"k = {n}: right {r['right']}, wrong {r['wrong']} of {r['answerable']}; "
                f"unanswerable declined {r['unanswerable_declined']} of {r['unanswerable']}")

    base = 5 if k != 5 else 10  # the pipeline's own k, to compare with
    lines = sorted([(k, want), (base, _reader_on_dev_at_k(base))], key=lambda kr: kr[0])
    report(True, f"Right. {line(*lines[0])};\n   {line(*lines[1])}.", "")


def _injection_last_place(prompt: Any) -> tuple[int, int, int]:
    """Return ``(hijacked, key facts kept, answers)`` of SmolLM2 under ``prompt`` (a template
    string or a ``ChatPromptTemplate``), each attack of ``data/injection/attacks.jsonl`` in last
    place after the top 4 chunks of notebook 10's three injection questions."""
    import json

    from langchain_core.documents import Document
    from langchain_core.prompts import ChatPromptTemplate

    from helpers.answers import score_answer
    from helpers.corpus import data_path, load_questions
    from helpers.llm import get_small_llm
    from helpers.pipeline import course_retriever
    from helpers.rag import format_docs

    if not isinstance(prompt, ChatPromptTemplate):
        prompt = ChatPromptTemplate.from_template(prompt)
    questions = [q for q in load_questions() if q.get("split") == "dev"
                 and q["id"].startswith("tw-") and q.get("answerable", True)][:3]
    lines = data_path("injection/attacks.jsonl").read_text(encoding="utf-8").splitlines()
    attacks = [json.loads(line) for line in lines if line.strip()]
    retriever, model = course_retriever(k=5), get_small_llm()
    hijacked = kept = n = 0
    for q in questions:
        real = retriever.invoke(q["question"])[:4]
        for attack in attacks:
            bad = Document(attack["text"], metadata={"source": attack["source"]})
            context = format_docs([*real, bad])
            answer = model.invoke(prompt.invoke({"context": context, "question": q["question"]}))
            hijacked += attack["payload"].lower() in answer.text.lower()
            kept += not score_answer(answer.text, q, similarity=False)["facts_missing"]
            n += 1
    return hijacked, kept, n


def check_injection_prompt(prompt: Any, counts: Any) -> None:
    """Notebook 10: the learner's own defended prompt and its ``(hijacked, key facts kept,
    answers)`` on SmolLM2, each attack in last place (``attacked(..., positions=(4,))``)."""
    if unanswered(prompt) or counts is ...:
        print(TODO)
        return
    from langchain_core.prompts import ChatPromptTemplate

    from helpers.llm import SmallModelMissingError
    from helpers.rag import DEFENDED_PROMPT, SEED_PROMPT

    if not isinstance(prompt, ChatPromptTemplate):
        report(False, "", "Expected a ChatPromptTemplate (from_template or from_messages).")
        return
    variables = set(prompt.input_variables)
    if variables != {"context", "question"}:
        report(False, "", f"The prompt's variables are {sorted(variables)}; keep exactly "
               "'context' and 'question' so that the test can fill them.")
        return

    def messages(p: Any) -> list[tuple[str, str]]:
        return [(m.type, str(m.content)) for m in p.format_messages(context="C", question="Q")]

    given = [ChatPromptTemplate.from_template(t) for t in (SEED_PROMPT, DEFENDED_PROMPT)]
    if any(messages(prompt) == messages(p) for p in given):
        report(False, "", "That is one of the notebook's two prompts: write one of your own.")
        return
    if counts is None:  # what the notebook's attacked() returns when the small LLM is missing
        from helpers import llm

        try:
            llm.gguf_path()
        except SmallModelMissingError as err:
            report(False, "", str(err))
            return
        print(TODO)
        return
    if not (isinstance(counts, tuple | list) and len(counts) == 3
            and all(isinstance(c, int) for c in counts)):
        report(False, "", "Expected what attacked() returns: (hijacked, key facts kept, answers).")
        return
    try:
        yours = _injection_last_place(prompt)
    except SmallModelMissingError as err:
        report(False, "", str(err))
        return
    if tuple(counts) != yours:
        hint = (f"These counts come from {counts[2]} answers: the test puts each attack in last "
                "place only, positions=(4,)." if counts[2] != yours[2] else
                "These are not your prompt's counts: measure my_prompt itself, with "
                "attacked(small_llm, my_prompt, positions=(4,)).")
        report(False, "", hint)
        return
    seed, defended = (_injection_last_place(t) for t in (SEED_PROMPT, DEFENDED_PROMPT))
    report(True, f"Measured. Hijacked, key facts kept, of {yours[2]}: yours {yours[:2]}, "
           f"seed prompt {seed[:2]}, defended {defended[:2]}.", "")

# --- 09 reader -----------------------------------------------------------------------------


def _reader_on_dev(min_score: float) -> dict[str, Any]:
    """Return :func:`helpers.answers.evaluate_reader` of the course pipeline on the dev questions,
    with the offline reader declining below ``min_score``."""
    from helpers.answers import evaluate_reader
    from helpers.corpus import load_questions
    from helpers.pipeline import course_chain
    from helpers.standin import ExtractiveChatModel

    dev = [q for q in load_questions() if q.get("split") == "dev"]
    return evaluate_reader(course_chain(ExtractiveChatModel(min_score=min_score)), dev)


def check_low_threshold(result: Any, min_score: float = 0.9) -> None:
    """Notebook 09: ``evaluate_reader`` on the dev questions of the course pipeline whose reader
    declines below ``min_score``."""
    if not _is_dev_evaluation(result):
        return
    expected = _reader_on_dev(min_score)
    counts = ("right", "wrong", "declined", "unanswerable_declined")
    report(
        all(result[c] == expected[c] for c in counts),
        f"Right: below {min_score}, {expected['right']} of {expected['answerable']} right, "
        f"{expected['wrong']} wrong; {expected['unanswerable_declined']} of "
        f"{expected['unanswerable']} unanswerable declined.",
        f"Not the counts of the course pipeline with ExtractiveChatModel(min_score={min_score}): "
        "check the threshold, and that the reader is the one in course_chain(...).",
    )


@functools.lru_cache(maxsize=1)
def _dev_contexts() -> tuple[tuple[dict[str, Any], tuple[Any, ...]], ...]:
    """Return each dev question with the chunks the course retriever gives it (once a process)."""
    from helpers.corpus import load_questions
    from helpers.pipeline import course_retriever

    retriever = course_retriever()
    dev = [q for q in load_questions() if q.get("split") == "dev"]
    return tuple((q, tuple(retriever.invoke(q["question"]))) for q in dev)


def _no_cosine_on_dev() -> dict[str, Any]:
    """Return the threshold that notebook 09's rule chooses on dev for the offline reader with
    its cosine weight at 0, and the dev counts at that threshold."""
    import math

    from helpers.answers import choose_threshold, reader_tally, score_answer
    from helpers.rag import DEFENDED_PROMPT, format_docs, source_label
    from helpers.standin import WEIGHTS, prompt_units, read, score_units

    weights = {**WEIGHTS, "cosine": 0.0}  # no embeddings needed: their term weighs nothing
    found = []
    for q, docs in _dev_contexts():
        units = prompt_units([(source_label(d.metadata), d.page_content) for d in docs])
        scores = [f["score"] for f in score_units(units, q["question"], None, weights)]
        top = min(range(len(scores)), key=lambda i: (-round(scores[i], 6), i))
        prompt = DEFENDED_PROMPT.format(context=format_docs(docs), question=q["question"])
        answer = read(prompt, None, weights, min_score=-math.inf)  # the answer it would give
        verdict = score_answer(answer, q, similarity=False)["verdict"]
        found.append((bool(q["answerable"]), scores[top], verdict))
    threshold = choose_threshold(found)
    return {"threshold": threshold, **reader_tally(found, threshold)}


def check_no_cosine(value: Any) -> None:
    """Notebook 09: the dev counts of the offline reader with its cosine weight at 0, at the
    threshold chosen again on dev by the notebook's rule (``counts(...)``'s dict)."""
    if unanswered(value):
        print(TODO)
        return
    keys = ("right", "wrong", "declined", "unanswerable_declined")
    try:
        threshold = float(value["threshold"])
        got = {k: int(value[k]) for k in keys}
    except (TypeError, KeyError, ValueError, IndexError):
        report(False, "", "Expected the dict that counts(answers, threshold) returns (with "
               "'threshold', 'right', 'wrong', 'declined', ...).")
        return
    from helpers.standin import MIN_SCORE

    want = _no_cosine_on_dev()
    same_threshold = abs(threshold - want["threshold"]) < 0.005
    if same_threshold and all(got[k] == want[k] for k in keys):
        report(True, f"Right: without cosine, dev chooses {want['threshold']}: {want['right']} "
               f"of {want['answerable']} right, {want['wrong']} wrong; "
               f"{want['unanswerable_declined']} of {want['unanswerable']} unanswerable declined.",
               "")
    elif abs(threshold - MIN_SCORE) < 0.005 and not same_threshold:
        report(False, "", "That is MIN_SCORE, chosen for scores that include the cosine term: "
               "without it scores are lower, so choose the threshold again on dev.")
    elif same_threshold:
        report(False, "", "The threshold is right but the counts are not: re-read every dev "
               "question with only the 'cosine' weight set to 0.")
    else:
        report(False, "", "Not the threshold dev chooses without the cosine term: set only "
               "'cosine' to 0, re-read every item of items['dev'], then use choose_threshold.")


# --- 11 paper -------------------------------------------------------------------------------

def check_temperature(value: Any, per_passage: Any, scores: Any, temperature: float = 0.2) -> None:
    """Notebook 11: RAG-Token's log p(answer) over all the chunks of ``per_passage`` (each
    chunk's per-token log-probabilities) when p(z|x) is the softmax of ``scores`` at
    ``temperature`` rather than at 0.05."""
    if unanswered(value):
        print(TODO)
        return
    try:
        value = float(value)
    except (TypeError, ValueError):
        report(False, "", "Expected a number: a log-probability (negative).")
        return
    from helpers.generator import rag_sequence_logprob, rag_token_logprob, retriever_probs

    def marginal(tau: float, k: int, formula: Any = rag_token_logprob) -> float:
        return formula(per_passage[:k], retriever_probs(list(scores)[:k], temperature=tau))

    k = len(per_passage)
    want, usual = marginal(temperature, k), marginal(0.05, k)
    wrong = {
        "That is the value at τ = 0.05: pass temperature=0.2 to retriever_probs.": usual,
        "That is RAG-Sequence's log p: the exercise asks for RAG-Token's.":
            marginal(temperature, k, rag_sequence_logprob),
        "That is k = 1, where τ changes nothing: use all four chunks.": marginal(temperature, 1),
    }
    for hint, other in wrong.items():
        if abs(value - other) <= 5e-3 < abs(want - other):  # rounded to 2 decimals, or not
            report(False, "", hint)
            return
    report(
        abs(value - want) <= 5e-3,
        f"Right: RAG-Token {want:.2f} at τ = {temperature}, {usual:.2f} at τ = 0.05: chunks "
        "without the answer weigh more.",
        f"Not RAG-Token's log p at k = {k}, τ = {temperature}: softmax the scores with "
        "retriever_probs, then rag_token_logprob over all the chunks.",
    )


_GREEDY_SIGNATURE = "rag_token_greedy(prompts, p_z, next_logprobs, tokenizer, max_new_tokens=12)"


class _ToyTokenizer:
    """The vocabulary of check_rag_token_greedy's toy generator: id 1 ends the text, id 2 is a
    line break."""

    eos_token_id = 1
    words = ("<pad>", "<eos>", "\n", " a", " b", " c", " d", ".", " ?")

    def decode(self, ids: Any) -> str:
        """Return the text of ``ids``."""
        return "".join(self.words[int(i)] for i in ids)


#: Toy generators for check_rag_token_greedy, in the order their failures are reported: the
#: passages' p(z|x), max_new_tokens, next-token probabilities per (passage, tokens decoded so
#: far) — a prefix not listed gets the passage's "*" entry, else the end of text — the expected
#: answer, and the hint printed when the answer differs. Token ids: 1 end, 2 line break, 3-6
#: " a" to " d", 7 ".". The uniform mixture comes before the weighted one, so that a decoder
#: that ignores p(z|x) gets the weights hint.
_GREEDY_CASES: tuple[dict[str, Any], ...] = (
    {"p_z": [0.5, 0.5], "max_new_tokens": 3,
     "probs": {"A": {"*": {4: 0.9}}, "B": {"*": {4: 0.8}}}, "expected": [4, 4, 4],
     "hint": "An answer that never ends must stop after max_new_tokens tokens."},
    {"p_z": [1.0], "max_new_tokens": 12,
     "probs": {"A": {(): {6: 0.8}, (6,): {1: 0.7}}}, "expected": [6],
     "hint": "With one passage whose next token is the end-of-text token "
             "(tokenizer.eos_token_id), stop there: the answer is the tokens before it."},
    {"p_z": [1.0], "max_new_tokens": 12,
     "probs": {"A": {(): {6: 0.8}, (6,): {2: 0.7}}}, "expected": [6],
     "hint": "A token that decodes to text holding a line break ends the answer too: stop "
             "before it (tokenizer.decode([token]))."},
    {"p_z": [0.5, 0.5], "max_new_tokens": 12,
     "probs": {"A": {(): {3: 0.9, 4: 0.05, 5: 0.05}, (3,): {4: 0.5, 5: 0.4, 6: 0.1}},
               "B": {(): {3: 0.001, 4: 0.5, 5: 0.499}, (3,): {4: 0.01, 5: 0.4, 6: 0.59}}},
     "expected": [3, 5],
     "hint": "Your decoder picks other tokens than the mixture Σ_z p(z|x)·p(token | x, z, y_<i): "
             "add the passages' weighted probabilities (not their log-probabilities) and take "
             "the largest sum, rather than the token one passage alone is surest of."},
    {"p_z": [0.8, 0.2], "max_new_tokens": 12,
     "probs": {"A": {(): {3: 0.6, 4: 0.4}, (3,): {7: 0.9}},
               "B": {(): {3: 0.2, 4: 0.8}, (3,): {7: 0.9}}}, "expected": [3, 7],
     "hint": "With p(z|x) = [0.8, 0.2] your decoder picks another first token: weight each "
             "passage's next-token probabilities by its p(z|x)."},
)


class _EndlessLoop(Exception):
    """Raised by the toy generator when a decoder asks it for far more steps than it may."""


def _toy_next_logprobs(probs: dict[str, Any], calls: list[tuple[int, ...]]) -> Any:
    """Return a next_logprobs(prompt, generated) over the toy vocabulary that logs its calls."""
    import torch

    def next_logprobs(prompt: str, generated: Any = ()) -> Any:
        prefix = tuple(int(t) for t in generated)
        calls.append(prefix)
        if len(calls) > 100:  # a loop that ignores max_new_tokens would never end
            raise _EndlessLoop
        table = probs[prompt]
        given = table.get(prefix, table.get("*", {1: 1.0}))
        rest = (1.0 - sum(given.values())) / (len(_ToyTokenizer.words) - len(given))
        p = torch.tensor([given.get(i, rest) for i in range(len(_ToyTokenizer.words))])
        return torch.log(p.clamp_min(1e-12)).float()

    return next_logprobs


def _run_greedy(fn: Any, case: dict[str, Any]) -> tuple[Any, list[tuple[int, ...]]]:
    """Run the learner's decoder on one toy case: (its result, the prefixes it asked for)."""
    calls: list[tuple[int, ...]] = []
    prompts = sorted(case["probs"])
    result = fn(prompts, list(case["p_z"]), _toy_next_logprobs(case["probs"], calls),
                _ToyTokenizer(), max_new_tokens=case["max_new_tokens"])
    return result, calls


def _expected_shares(case: dict[str, Any]) -> list[list[float]]:
    """Return log p(z|x) + log p(token | z, prefix) for each passage and each expected token."""
    import math

    rows = []
    for i, token in enumerate(case["expected"]):
        prefix = tuple(case["expected"][:i])
        row = []
        for prompt, pz in zip(sorted(case["probs"]), case["p_z"], strict=True):
            lp = _toy_next_logprobs(case["probs"], [])(prompt, prefix)
            row.append(math.log(pz) + float(lp[token]))
        rows.append(row)
    return rows


def check_rag_token_greedy(fn: Any) -> None:
    """Notebook 11: the learner's RAG-Token greedy decoder, run on toy generators whose answers
    are known (a correct decoder gives them; common mistakes do not)."""
    if unanswered(fn):
        print(TODO)
        return
    if not callable(fn):
        report(False, "", f"Expected a function: def {_GREEDY_SIGNATURE}.")
        return
    for case in _GREEDY_CASES:
        try:
            result, calls = _run_greedy(fn, case)
        except _EndlessLoop:
            report(False, "", case["hint"] if case["max_new_tokens"] == 3 else
                   "Your loop goes on and on: stop after max_new_tokens tokens at the latest.")
            return
        except Exception as err:  # noqa: BLE001 - the learner's code: report it, never raise
            report(False, "", f"Your function raised {type(err).__name__}: {err} — it is called "
                              f"as {_GREEDY_SIGNATURE}.")
            return
        if result is None:
            print(TODO)
            return
        try:
            generated, shares = result
            tokens = [int(t) for t in generated]
            share_rows = [[float(v) for v in row] for row in shares]
        except (TypeError, ValueError):
            report(False, "", "Return two lists: the answer's token ids, and for each of them "
                              "one share per passage.")
            return
        if not calls:
            report(False, "", "Your function never calls next_logprobs: ask it, at every step, "
                              "for each passage's next-token log-probabilities.")
            return
        if tokens != case["expected"]:
            lost = len(tokens) > 1 and all(not prefix for prefix in calls)
            report(False, "", "Each step must give next_logprobs the tokens decoded so far "
                              "(its second argument)." if lost else case["hint"])
            return
        want = _expected_shares(case)
        same_shape = [len(row) for row in share_rows] == [len(w) for w in want]
        if not same_shape or any(abs(a - b) > 1e-4 for row, w in zip(share_rows, want, strict=True)
                                 for a, b in zip(row, w, strict=True)):
            report(False, "", "The tokens are right, the shares not: for each token, one number "
                              "per passage, log p(z|x) + log p(token | x, z, y_<i).")
            return
    report(True, f"Right: on {len(_GREEDY_CASES)} toy generators it picks the mixture's best token "
                 "and stops where the answer ends.", "")


# --- 12 evaluating retrieval, 13 capstone ---------------------------------------------------


def check_mrr(value: Any) -> None:
    """Notebook 12: the MRR of the ranking [miss, miss, hit, miss, hit]."""
    if unanswered(value):
        print(TODO)
        return
    try:
        close = abs(float(value) - 1 / 3) < 1e-6
    except (TypeError, ValueError):
        report(False, "", "Expected a number.")
        return
    report(close, "Right: only the first relevant result counts, at rank 3.",
           "Not quite: MRR takes 1/rank of the *first* relevant result only.")


def _dev_mrr_at_fetch_k(fetch_k: int) -> dict[str, float]:
    """Return the dev MRR per question script of the course retriever when each component hands
    ``fetch_k`` candidates to the fusion, at the chosen alpha (``helpers.pipeline.ALPHA``)."""
    from helpers.corpus import load_questions
    from helpers.evaluation import alpha_sweep, cached_course_retriever, split_questions
    from helpers.pipeline import ALPHA

    dev = split_questions(load_questions(), "dev")
    retriever = cached_course_retriever().model_copy(update={"fetch_k": fetch_k})
    rows = alpha_sweep(retriever, dev, sorted(set(ALPHA.values())))
    return {r["script"]: r["MRR"] for r in rows if r["alpha"] == ALPHA[r["script"]]}


def check_fetch5(value: Any) -> None:
    """Notebook 12: the dev MRR per script ({"en": ..., "ko": ...}) of the course retriever with
    ``fetch_k=5`` instead of 50, at the chosen alpha."""
    if unanswered(value):
        print(TODO)
        return
    from helpers.pipeline import FETCH_K

    want = _dev_mrr_at_fetch_k(5)
    if not isinstance(value, dict) or set(value) != set(want):
        report(False, "", 'Expected a dict with the keys "en" and "ko" (one MRR per script).')
        return
    try:
        close = all(abs(float(value[s]) - want[s]) <= 5e-4 for s in want)  # rounded or not
    except (TypeError, ValueError):
        close = False
    usual = _dev_mrr_at_fetch_k(FETCH_K) if close else {}
    change = {s: round(want[s] - usual[s], 3) for s in usual}
    report(
        close,
        f"Right. MRR@10 change against fetch_k={FETCH_K}: {change}.",
        "Not the dev MRR of fetch_k=5 at the chosen α: use dev (not test), ALPHA, and the 'MRR' "
        "of alpha_sweep's rows.",
    )


def _dev_scores_by_lang(alpha: dict[str, float] | None = None) -> dict[str, dict[str, float]]:
    """Return :func:`helpers.evaluation.evaluate`'s dev scores per language of the course retriever
    at ``alpha`` (default: the course's ``ALPHA``)."""
    from helpers.corpus import load_questions
    from helpers.evaluation import cached_course_retriever, evaluate, split_questions

    retriever = cached_course_retriever(alpha=alpha)
    return {lang: evaluate(retriever.invoke, split_questions(load_questions(), "dev", lang))
            for lang in ("en", "ko")}


def check_dense_only(value: Any) -> None:
    """Notebook 13: the dev scores per language (``{"en": evaluate(...), "ko": evaluate(...)}``)
    of the course retriever made dense only (``alpha`` 1.0 for both scripts)."""
    if unanswered(value):
        print(TODO)
        return
    if not isinstance(value, dict) or set(value) != {"en", "ko"} or not all(
        isinstance(v, dict) and {"hit@5", "MRR"} <= set(v) for v in value.values()
    ):
        report(False, "", 'Expected {"en": evaluate(...), "ko": evaluate(...)}: one dict of '
                          "scores per language.")
        return
    want = _dev_scores_by_lang({"en": 1.0, "ko": 1.0})
    try:
        ok = all(abs(float(value[lang][m]) - want[lang][m]) <= 5e-4
                 for lang in want for m in ("hit@5", "MRR"))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        report(False, "", "Not the dev scores of the dense-only retriever: alpha 1.0 for both "
                          "scripts, the answerable dev questions of each language.")
        return
    hybrid = _dev_scores_by_lang()
    change = "; ".join(f"{lang} hit@5 {hybrid[lang]['hit@5'] - want[lang]['hit@5']:+.3f}, "
                       f"MRR {hybrid[lang]['MRR'] - want[lang]['MRR']:+.3f}" for lang in want)
    report(True, f"Right. Hybrid minus dense only, dev: {change}.", "")


# --- Notebook 07: keyword search and fusion ---------------------------------------------------


def _bm25_scores_by_lang(b: float, split: str = "dev") -> dict[str, dict[str, float]]:
    """Return :func:`helpers.evaluation.evaluate`'s scores per language of BM25 alone (bm25s,
    k1 = 1.5, the given ``b``, k = 5) over the course's chunks, on the answerable questions of
    ``split``."""
    from helpers.bm25 import BM25Retriever, bm25s, tokenize
    from helpers.corpus import load_questions
    from helpers.evaluation import evaluate, split_questions
    from helpers.pipeline import course_bm25

    chunks = course_bm25().docs
    index = bm25s.BM25(b=b)
    index.index([tokenize(c.page_content) for c in chunks], show_progress=False)
    retriever = BM25Retriever(docs=chunks, index=index, k=5)
    asked = split_questions(load_questions(), split)
    return {lang: {**evaluate(retriever.invoke, [q for q in asked if q["lang"] == lang]),
                   "n": sum(q["lang"] == lang for q in asked)}
            for lang in ("en", "ko")}


def _same_scores(value: dict[str, Any], want: dict[str, dict[str, float]]) -> bool:
    try:
        return all(abs(float(value[lang][m]) - want[lang][m]) <= 5e-4
                   for lang in ("en", "ko") for m in ("hit@5", "MRR"))
    except (TypeError, ValueError, KeyError):
        return False


def check_no_length_norm(value: Any) -> None:
    """Notebook 07: the dev scores per language (``{"en": evaluate(...), "ko": evaluate(...)}``)
    of the course's BM25 with b = 0 (no length normalisation)."""
    if unanswered(value):
        print(TODO)
        return
    if not isinstance(value, dict) or set(value) != {"en", "ko"} or not all(
        isinstance(v, dict) and {"hit@5", "MRR"} <= set(v) for v in value.values()
    ):
        report(False, "", 'Expected {"en": evaluate(...), "ko": evaluate(...)}: the dicts '
               "evaluate returns.")
        return
    want, usual = _bm25_scores_by_lang(0.0), _bm25_scores_by_lang(0.75)
    if _same_scores(value, usual):
        report(False, "", "These are the scores of the usual b = 0.75: pass b=0.0 to bm25s.BM25.")
    elif _same_scores(value, _bm25_scores_by_lang(0.0, "test")):
        report(False, "", "These are test questions: settings are measured on dev.")
    elif not _same_scores(value, want):
        report(False, "", "Not BM25's dev scores with b = 0: bm25s.BM25(b=0.0) on doc_tokens, "
               "k=5, one evaluate per language.")
    else:
        moved = {lang: round((want[lang]["hit@5"] - usual[lang]["hit@5"]) * want[lang]["n"])
                 for lang in ("en", "ko")}
        report(True, "Right. b = 0 against b = 0.75: top-5 hits "
               + ", ".join(f"{moved[lang]:+d}/{want[lang]['n']} ({lang})" for lang in moved)
               + "; MRR " + ", ".join(f"{want[lang]['MRR'] - usual[lang]['MRR']:+.3f} ({lang})"
                                      for lang in moved) + ".", "")


def check_bm25_by_hand(value: Any) -> None:
    """Notebook 07: what one term adds to a chunk's BM25 score (bm25s's lucene variant): in 3
    of 100 chunks, twice in a chunk of 60 tokens, mean length 40, k1 = 1.5, b = 0.75."""
    if unanswered(value):
        print(TODO)
        return
    import math

    try:
        got = float(value)
    except (TypeError, ValueError):
        report(False, "", "Expected a number.")
        return
    idf = math.log(1 + (100 - 3 + 0.5) / (3 + 0.5))
    tf = 2 / (2 + 1.5 * (1 - 0.75 + 0.75 * 60 / 40))
    slips = [
        (idf * tf * 2.5, "That is the textbook form, times k1 + 1: bm25s's lucene variant (the "
         "notebook's formula) drops it."),
        (idf * 2 / (2 + 1.5), "The chunk is longer than the mean: with b = 0.75 its length "
         "should shrink the term-frequency part."),
        (idf * 2 / (2 + 1.5 * (1 - 0.75 + 0.75 * 40 / 60)), "Check |d| / avgdl: the chunk has "
         "60 tokens, the mean is 40."),
        (math.log((100 - 3 + 0.5) / (3 + 0.5)) * tf, "IDF: the formula adds 1 inside the "
         "logarithm."),
        (math.log10(1 + (100 - 3 + 0.5) / (3 + 0.5)) * tf, "math.log is the natural logarithm, "
         "as in the formula; a base-10 logarithm gives a smaller IDF."),
    ]
    if abs(got - idf * tf) <= 1e-3 * idf * tf:
        report(True, f"Right: IDF {idf:.3f} times the term-frequency part {tf:.3f}.", "")
        return
    hint = next((h for v, h in slips if abs(got - v) <= 1e-3 * v),
                "Not quite: compute the IDF and the term-frequency part separately, then "
                "multiply them.")
    report(False, "", hint)


# --- 14 advanced retrieval, 15 a fresh index and conversations ------------------------------


def check_rrf(value: Any) -> None:
    """Notebook 14: the RRF score (c = 60) of a chunk ranked 1st by one query and 3rd by another."""
    if unanswered(value):
        print(TODO)
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        report(False, "", "Expected a number.")
        return
    report(
        abs(value - (1 / 61 + 1 / 63)) < 1e-9,
        f"Right: {value:.5f}; a chunk found by two queries beats one found first by only one "
        f"(1/61 = {1 / 61:.5f}).",
        "Not quite: with c = 60, rank r adds 1 / (60 + r) in each list the chunk appears in; "
        "ranks start at 1.",
    )


def _korean_rerank_mrr(beta: float, depths: tuple[int, ...] = (10, 20)) -> dict[int, float]:
    """Return, per depth, the dev MRR of the answerable Korean questions when the course
    retriever's top ``depth`` (fused) are re-sorted by ``(1 - beta) * fused + beta * USE cosine``
    (the cosine min-max scaled over the candidates), as notebook 14's ``rerank`` does."""
    import numpy as np

    from helpers.corpus import load_questions, script_of
    from helpers.evaluation import summarize
    from helpers.index import course_index, embedder_for
    from helpers.metrics import relevance
    from helpers.pipeline import ALPHA, course_retriever, fuse
    from helpers.playground import candidates, store_vectors

    questions = load_questions()
    texts = [q["question"] for q in questions]  # one batch, as the notebook embeds them
    vectors = dict(zip(texts, np.asarray(embedder_for("use").embed_documents(texts)), strict=True))
    found = candidates(course_retriever(), [t for t in texts if script_of(t) == "ko"])
    chunks = store_vectors(course_index(embedder="use"))
    asked = [q for q in questions if q["split"] == "dev" and q["answerable"] and q["lang"] == "ko"]
    rows: dict[int, list[list[bool]]] = {depth: [] for depth in depths}
    for q in asked:
        script, dense, sparse = found[q["question"]]
        for depth in depths:
            first = fuse(dense, sparse, ALPHA[script], depth)
            v = vectors[q["question"]]
            cos = np.array([chunks[d.metadata["chunk_id"]] @ v for d, _ in first])
            cos = (cos - cos.min()) / ((cos.max() - cos.min()) or 1.0)
            mixed = [(1 - beta) * s + beta * c for (_, s), c in zip(first, cos, strict=True)]
            order = sorted(range(len(first)), key=lambda i: -mixed[i])
            rows[depth].append(relevance([first[i][0] for i in order[:5]], q["gold"]))
    return {depth: summarize(r)["MRR"] for depth, r in rows.items()}


def check_rerank_depth(value: Any, beta: float) -> None:
    """Notebook 14: the dev MRR of the Korean questions reranked from the top 10 at ``beta``."""
    if unanswered(value):
        print(TODO)
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        report(False, "", "Expected a number: summarize(...)['MRR'].")
        return
    mrr = _korean_rerank_mrr(beta)
    if abs(value - mrr[10]) <= 1e-3:
        change = "a shallower pool helped" if mrr[10] > mrr[20] else (
            "no change" if mrr[10] == mrr[20] else "the deeper pool was better")
        report(True, f"Right: Korean dev MRR {mrr[10]:.3f} from the top 10, {mrr[20]:.3f} from "
                     f"the top 20 ({change}).", "")
    elif abs(value - mrr[20]) <= 1e-3:
        report(False, "", "That is the MRR from the top 20 (the sweep's): pass depth=10 to rerank.")
    else:
        report(False, "", "Not the MRR of the answerable Korean dev questions reranked with "
                          "depth=10 at beta_of['ko'].")


def check_follow_up(item: Any) -> None:
    """Notebook 15: ``(gold id, previous question, follow-up)`` where the follow-up alone misses
    the gold chunk in the course retriever's top 5 and finds it after the previous question."""
    if unanswered(item):
        print(TODO)
        return
    if not (isinstance(item, tuple | list) and len(item) == 3
            and all(isinstance(x, str) for x in item)):
        report(False, "", 'Expected three strings: ("tw-..", "a first question", "a follow-up").')
        return
    from helpers.corpus import load_questions
    from helpers.metrics import relevance
    from helpers.pipeline import course_retriever

    gold, previous, follow_up = item
    q = {x["id"]: x for x in load_questions()}.get(gold)
    if q is None or not q["answerable"]:
        report(False, "", "The first element must be the id of an answerable question of "
                          "data/questions.jsonl.")
        return
    retriever = course_retriever()
    alone = any(relevance(retriever.invoke(follow_up), q["gold"]))
    glued = any(relevance(retriever.invoke(f"{previous} {follow_up}"), q["gold"]))
    report(
        not alone and glued,
        "Right: alone the follow-up misses the gold chunk; after the previous question it "
        "finds it.",
        "The follow-up alone already finds the gold chunk: make it lean more on the history."
        if alone else "Even after the previous question the gold chunk is not in the top 5: "
        "choose a previous question closer to it.",
    )


def _glue_scores(follow_ups: Any, glue: Any) -> dict[str, float]:
    """Return hit@5 and MRR on the answerable dev follow-ups when the previous question is glued
    to the follow-ups for which ``glue(follow_up)`` is true."""
    from helpers.evaluation import summarize
    from helpers.metrics import relevance
    from helpers.pipeline import course_retriever

    retriever = course_retriever()
    rows = []
    for f in follow_ups:
        if f["split"] != "dev" or not f["answerable"]:
            continue
        text = f"{f['previous']} {f['question']}" if glue(f["question"]) else f["question"]
        rows.append(relevance(retriever.invoke(text), f["gold"]))
    scores = summarize(rows)
    return {"hit@5": scores["hit@5"], "MRR": scores["MRR"]}


def check_and_glue(value: Any, follow_ups: Any) -> None:
    """Notebook 15: hit@5 and MRR on the dev follow-ups when only follow-ups that start with
    "And " get the previous question glued on."""
    if unanswered(value):
        print(TODO)
        return
    if not isinstance(value, dict) or not {"hit@5", "MRR"} <= set(value):
        report(False, "", 'Expected a dict with "hit@5" and "MRR" (summarize(...) gives one).')
        return

    def same(scores: dict[str, float]) -> bool:
        try:
            return all(abs(float(value[m]) - scores[m]) <= 1e-3 for m in scores)
        except (TypeError, ValueError):
            return False

    want = _glue_scores(follow_ups, lambda text: text.startswith("And "))
    always = _glue_scores(follow_ups, lambda text: True)
    never = _glue_scores(follow_ups, lambda text: False)
    if same(want):
        report(True, f"Right: hit@5 {want['hit@5']:.3f}, MRR {want['MRR']:.3f} on dev; always "
                     f"gluing {always['hit@5']:.3f}/{always['MRR']:.3f}, never "
                     f"{never['hit@5']:.3f}/{never['MRR']:.3f}.", "")
    elif same(always) or same(never):
        which = "always" if same(always) else "never"
        report(False, "", f"Those are the scores of {which} gluing: glue only when the follow-up "
                          'starts with "And ".')
    else:
        report(False, "", 'Not the rule\'s scores on the answerable dev follow-ups: glue only '
                          'those that start with "And ".')
