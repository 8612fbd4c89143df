"""Exercise checks of notebooks 00-03: loaders, PDF cleaning, splitters.
"""

from __future__ import annotations

import functools
from typing import Any

from helpers.checks.common import TODO, report, unanswered


def _teaser_sample() -> list[dict[str, Any]]:
    """Return notebook 00's sample: every third answerable English dev question."""
    from helpers.questions.course import load_questions

    dev = [q for q in load_questions()
           if q.get("split") == "dev" and q["lang"] == "en" and q["answerable"]]
    return dev[::3]


def _found(retriever: Any) -> int:
    """Return how many of notebook 00's sample questions get a retrieved chunk that holds their
    gold evidence."""
    from helpers.evaluation.metrics import is_relevant

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
    from helpers.retrieval.course import seed_retriever

    mine = _found(retriever)
    report(
        count == mine,
        f"Right: {mine} of {len(_teaser_sample())} with your setting, "
        f"{_found(seed_retriever())} with the teaser's MMR (k=5, fetch_k=50).",
        "Not what this retriever finds on the sample: count with found(my_retriever).",
    )


def check_glued_pages(pages: Any) -> None:
    """Notebook 01: the FAQ pages whose pypdf text has a glued share above 0.1."""
    if unanswered(pages):
        print(TODO)
        return
    if not isinstance(pages, list) or not all(isinstance(p, int) for p in pages):
        report(False, "", "Expected a list of page numbers (whole numbers from metadata['page']).")
        return
    from pypdf import PdfReader

    from helpers.documents.cleaning import glued_share
    from helpers.documents.files import data_path

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
    from helpers.documents.cleaning import repeated_lines
    from helpers.documents.loaders import load_pdf

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
    from helpers.documents.files import data_path, relative

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
    from helpers.documents.splitting import split_documents
    from helpers.evaluation.metrics import hit_at_k, mean, relevance
    from helpers.questions.course import load_questions
    from helpers.retrieval.bm25 import BM25Retriever

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
    from helpers.documents.loaders import load_pdf

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
    from helpers.documents.loaders import load_text

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


MODEL_LIMIT = 256  # word pieces all-MiniLM-L6-v2 reads; the rest of a text is dropped


def _n_tokens(texts: list[str]) -> list[int]:
    """Return the number of word pieces (special tokens included) of each text for MiniLM."""
    from helpers.embeddings.minilm import get_tokenizer

    return [len(ids) for ids in get_tokenizer()(texts)["input_ids"]]


def check_news_chunks(chunks: Any) -> None:
    """Notebook 03: the newsletter split with chunk_size=300, chunk_overlap=30, start indexes on."""
    if unanswered(chunks):
        print(TODO)
        return
    from helpers.documents.loaders import load_text
    from helpers.documents.splitting import split_documents

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
    from helpers.documents.loaders import load_text
    from helpers.documents.splitting import split_documents

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
    from helpers.documents.loaders import load_text

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
