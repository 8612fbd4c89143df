"""Self-checks for the exercises: they say what is wrong, never what the answer is.

A check prints one line (✅, ❌ or ✏️) and returns nothing; it never raises, so a notebook whose
exercises are still blank runs top to bottom (and nbval can compare its outputs). Each notebook's
checks are in its own section below, named ``check_<what>``.
"""

from __future__ import annotations

from typing import Any

TODO = "✏️  Not answered yet: fill in the cell above, then run this check again."


def unanswered(value: Any) -> bool:
    """Return True when an exercise variable still holds its placeholder (``...`` or None)."""
    return value is ... or value is None


def report(ok: bool, success: str, hint: str) -> None:
    """Print ``✅ success`` or ``❌ hint``."""
    print(f"✅ {success}" if ok else f"❌ {hint}")


def check_mode_line(line: Any) -> None:
    """Notebook 00: the learner prints the active mode with ``get_settings().describe()``."""
    if unanswered(line):
        print(TODO)
        return
    text = str(line)
    report(
        text.startswith("mode: "),
        "That is the line every notebook prints to say which mode it runs in.",
        "Expected the text returned by get_settings().describe(), which starts with 'mode: '.",
    )


# --- 01 loaders -----------------------------------------------------------------------------


def check_page_count(count: Any) -> None:
    """Notebook 01: the number of handbook pages that hold text, from a loader."""
    if unanswered(count):
        print(TODO)
        return
    from helpers.corpus import load_pdf

    expected = len(load_pdf("tidewell/handbook.pdf"))
    if not isinstance(count, int):
        report(False, "", f"Expected a whole number (int), got {type(count).__name__}.")
        return
    hint = "Too many: " if count > expected else "Too few: "
    report(
        count == expected,
        "Right: one Document per page that has text.",
        hint + "count the Documents a PDF loader returns for data/tidewell/handbook.pdf.",
    )


def check_korean_notice(docs: Any) -> None:
    """Notebook 01: the cp949 sample loaded into Documents with readable Korean."""
    if unanswered(docs):
        print(TODO)
        return
    if not isinstance(docs, list) or not docs or not hasattr(docs[0], "page_content"):
        report(False, "", "Expected a list of Documents, as load_text returns.")
    text = docs[0].page_content
    report(
        text.startswith("타이드웰"),
        "Readable Korean: the bytes were decoded with the encoding they were written in.",
        "The text does not start with Hangul: which encoding did the error message suggest?",
    )


def check_running_header(line: Any) -> None:
    """Notebook 01: the running header line repeated on the handbook's pages."""
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

# --- 02 splitters ---------------------------------------------------------------------------


def check_news_chunks(chunks: Any) -> None:
    """Notebook 02: the newsletter split with chunk_size=300, chunk_overlap=30, start indexes on."""
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


def check_cut_count(count: Any) -> None:
    """Notebook 02: how many 500/50 chunks of the corpus exceed the embedder's 256 word pieces."""
    if unanswered(count):
        print(TODO)
        return
    from helpers.corpus import corpus_chunks
    from helpers.models import get_tokenizer

    tokenizer = get_tokenizer()
    expected = sum(len(tokenizer(c.page_content)["input_ids"]) > 256 for c in corpus_chunks())
    report(
        count == expected,
        "Right: every one of them loses its end silently when embedded.",
        "Not that many: count chunks whose token ids (special tokens included) exceed 256.",
    )

# --- 03 embeddings --------------------------------------------------------------------------


def check_most_similar(choice: Any, query: str, candidates: list[str]) -> None:
    """Notebook 03: the index of the candidate most similar to the query (cosine, MiniLM)."""
    if unanswered(choice):
        print(TODO)
        return
    import numpy as np

    from helpers.models import get_embeddings

    emb = get_embeddings()
    sims = np.array(emb.embed_documents(candidates)) @ np.array(emb.embed_query(query))
    best = int(np.argmax(sims))
    if not isinstance(choice, int) or not 0 <= choice < len(candidates):
        report(False, "", f"Expected a position from 0 to {len(candidates) - 1}.")
        return
    report(
        choice == best,
        f"Right: similarity {sims[best]:.3f}, the highest of the {len(candidates)}.",
        "Not the highest: compare the dot products of the normalised vectors, all of them.",
    )


def check_cosine(value: Any, a: str, b: str) -> None:
    """Notebook 03: the cosine similarity of two sentences' embeddings, computed by hand."""
    if unanswered(value):
        print(TODO)
        return
    import numpy as np

    from helpers.models import get_embeddings

    va, vb = (np.array(get_embeddings().embed_query(t)) for t in (a, b))
    expected = float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))
    try:
        close = abs(float(value) - expected) < 1e-3
    except (TypeError, ValueError):
        report(False, "", "Expected a number between -1 and 1.")
        return
    report(close, "Right, to three decimals.", "Not the cosine: dot product over the two norms.")

# --- 04 chroma ------------------------------------------------------------------------------


def check_news_count(count: Any, store: Any) -> None:
    """Notebook 04: how many chunks of the newsletter the demo collection holds (via a filter)."""
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
    """Notebook 04: handbook chunks from pages 3 to 4 (0-based) that contain the word 'laser'."""
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

# --- 05 retrievers --------------------------------------------------------------------------


def check_threshold_retriever(retriever: Any) -> None:
    """Notebook 05: a score-threshold retriever that returns nothing for an off-topic question."""
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


def check_lambda(value: Any) -> None:
    """Notebook 05: the lambda_mult for which MMR returns exactly the similarity top-k."""
    if unanswered(value):
        print(TODO)
        return
    report(value == 1 or value == 1.0, "Right: with λ = 1 the redundancy term has no weight.",
           "Not that one: which λ makes the redundancy term vanish from the MMR score?")

# --- 06 chain -------------------------------------------------------------------------------


def check_sources_chain(chain: Any) -> None:
    """Notebook 06: a chain returning {"answer": str, "sources": [labels]} for a question."""
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
    """Notebook 06: a prompt template with {context} and {question} that asks for citations."""
    if unanswered(template):
        print(TODO)
        return
    variables = set(getattr(template, "input_variables", []))
    if variables != {"context", "question"}:
        report(False, "", f"The template's variables are {sorted(variables)}; keep exactly "
               "'context' and 'question' so the chain can fill them.")
        return
    text = str(template.format(context="C", question="Q")).lower()
    report("cite" in text or "source" in text, "Right: same variables, and it asks for sources.",
           "It never asks the model to cite its sources.")

# --- 07 paper -------------------------------------------------------------------------------

# --- 08 evaluation --------------------------------------------------------------------------
