"""Exercise checks of notebooks 00-03: loaders, PDF cleaning, splitters.
"""

from __future__ import annotations

import functools
from typing import Any

from helpers.checks.common import report, todo, unanswered, whole_number
from helpers.lang import say


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
    if unanswered(retriever) or unanswered(count):
        print(todo())
        return
    if not hasattr(retriever, "invoke"):
        report(False, "", say("Expected a retriever: the result of vectorstore.as_retriever(...).",
                              "리트리버가 필요합니다: vectorstore.as_retriever(...)의 결과입니다."))
        return
    kwargs = dict(getattr(retriever, "search_kwargs", None) or {})
    if getattr(retriever, "search_type", None) == "mmr" and kwargs == {"k": 5, "fetch_k": 50}:
        report(False, "", say("That is the teaser's own setting: change k, fetch_k or search_type.",
                              "미리 본 설정 그대로입니다: k, fetch_k 또는 search_type을 바꾸세요."))
        return
    if not whole_number(count, "how many sample questions it finds.", "표본 질문 중 찾는 개수."):
        return
    from helpers.retrieval.course import seed_retriever

    mine, n, seed = _found(retriever), len(_teaser_sample()), _found(seed_retriever())
    report(count == mine,
           say(f"Right: {mine} of {n} with your setting, {seed} with the teaser's MMR "
               "(k=5, fetch_k=50).", f"맞습니다: 바꾼 설정으로 {n}개 중 {mine}개, 미리 본 "
               f"MMR(k=5, fetch_k=50)로 {seed}개입니다."),
           say("Not what this retriever finds on the sample: count with found(my_retriever).",
               "이 리트리버가 표본에서 찾는 개수가 아닙니다: found(my_retriever)로 세세요."))


def check_glued_pages(pages: Any) -> None:
    """Notebook 01: the FAQ pages whose pypdf text has a glued share above 0.1."""
    if unanswered(pages):
        print(todo())
        return
    if not isinstance(pages, list) or not all(isinstance(p, int) for p in pages):
        report(False, "", say(
            "Expected a list of page numbers (whole numbers from metadata['page']).",
            "페이지 번호의 리스트가 필요합니다(metadata['page']의 정수)."))
        return
    from pypdf import PdfReader

    from helpers.documents.cleaning import glued_share
    from helpers.documents.files import data_path

    reader = PdfReader(data_path("debian-faq/debian-faq.en.pdf"))
    shares = [glued_share(page.extract_text()) for page in reader.pages]
    expected = [i for i, share in enumerate(shares) if share > 0.1]
    missing, extra = set(expected) - set(pages), set(pages) - set(expected)
    if not pages:
        hint = say("An empty list: did you measure the PDFium pages? Use faq_pages, read by pypdf.",
                   "빈 리스트: PDFium 페이지를 측정했습니까? pypdf로 읽은 faq_pages를 쓰세요.")
    elif extra:
        hint = say(f"{len(extra)} of your pages have a glued share of 0.1 or less: check the "
                   "threshold.", f"답한 페이지 중 {len(extra)}개는 붙은 단어 비율이 0.1 "
                   "이하입니다: 임계값을 확인하세요.")
    elif missing:
        hint = say(f"{len(missing)} glued page(s) missing: go through every page of faq_pages.",
                   f"단어가 붙은 페이지 {len(missing)}개가 빠졌습니다: faq_pages를 모두 보세요.")
    else:
        hint = say("The right pages, but keep them in page order, each once.",
                   "페이지는 맞지만, 페이지 순서대로 한 번씩만 넣으세요.")
    report(pages == expected,
           say(f"Right: {len(expected)} of {len(shares)} pages; the others are blank, the title "
               "page, the index and two short pages.", f"맞습니다: {len(shares)}페이지 중 "
               f"{len(expected)}페이지. 나머지는 빈 페이지, 표지, 색인, 짧은 페이지 두 개입니다."),
           hint)


def check_running_header(line: Any) -> None:
    """Notebook 02: the running header line repeated on the handbook's pages."""
    if unanswered(line):
        print(todo())
        return
    from helpers.documents.cleaning import repeated_lines
    from helpers.documents.loaders import load_pdf

    pages = [d.page_content for d in load_pdf("tidewell/handbook.pdf", clean=False)]
    report(isinstance(line, str) and line.strip() in repeated_lines(pages),
           say("That line repeats on the pages: a running header that cleaning should remove.",
               "이 줄은 여러 페이지에 반복됩니다: 정제 단계가 지워야 할 머리글입니다."),
           say("Not a line repeated on most pages: count on how many raw (clean=False) pages "
               "each line appears.", "대부분의 페이지에 반복되는 줄이 아닙니다: 정제하지 않은"
               "(clean=False) 페이지에서 줄마다 몇 페이지에 나오는지 세어 보세요."))


def check_folder_docs(docs: Any) -> None:
    """Notebook 01: every .txt file under data/tidewell, sub-folders included, as Documents."""
    if unanswered(docs):
        print(todo())
        return
    if not isinstance(docs, list) or not all(hasattr(d, "metadata") for d in docs):
        report(False, "", say("Expected a list of Documents, as corpus.load_text returns.",
                              "corpus.load_text가 반환하는 Document 리스트가 필요합니다."))
        return
    from helpers.documents.files import data_path, relative

    expected = sorted(relative(p) for p in data_path("tidewell").rglob("*.txt"))
    sources = [str(d.metadata.get("source", "")) for d in docs]
    if any(not s.endswith(".txt") for s in sources):
        hint = say("Some Documents are not from .txt files: keep only the text files.",
                   "일부 Document가 .txt 파일에서 오지 않았습니다: 텍스트 파일만 남기세요.")
    elif len(sources) != len(set(sources)):
        hint = say("Some files were loaded twice: load each file once.",
                   "두 번 로드된 파일이 있습니다: 파일마다 한 번씩 로드하세요.")
    elif set(sources) < set(expected):
        hint = say("A file in a sub-folder is missing: glob() looks only in the folder itself.",
                   "하위 폴더의 파일이 빠졌습니다: glob()은 그 폴더 안만 찾습니다.")
    else:
        hint = say("Not the .txt files of data/tidewell: check the folder.",
                   "data/tidewell의 .txt 파일이 아닙니다: 폴더를 확인하세요.")
    report(sorted(sources) == expected,
           say(f"Right: {len(expected)} text files, one Document each, from every sub-folder.",
               f"맞습니다: 모든 하위 폴더에서 텍스트 파일 {len(expected)}개, 파일당 Document 1개."),
           hint)


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
        print(todo())
        return
    if not isinstance(hit5, dict) or set(hit5) != {"pdfium", "pypdf"}:
        report(False, "", say(
            'Expected a dict with two keys, "pdfium" and "pypdf", one hit@5 each.',
            '"pdfium"과 "pypdf" 두 키에 hit@5를 하나씩 담은 dict가 필요합니다.'))
        return
    if not all(_is_share(v) for v in hit5.values()):
        report(False, "", say("hit@5 is a share of questions (0 to 1): divide by len(dev_faq).",
                              "hit@5는 질문의 비율(0에서 1)입니다: len(dev_faq)로 나누세요."))
        return
    expected = _engine_hit5()
    close = {e: abs(hit5[e] - expected[e]) < 1e-9 for e in expected}
    if all(close.values()):
        report(True, say(f"Right: pypdf's glued text drops hit@5 from {expected['pdfium']:.2f} to "
                         f"{expected['pypdf']:.2f}.", "맞습니다: pypdf의 붙은 텍스트로 hit@5가 "
                         f"{expected['pdfium']:.2f}에서 {expected['pypdf']:.2f}까지 떨어집니다."),
               "")
    elif {round(v, 9) for v in hit5.values()} == {round(v, 9) for v in expected.values()}:
        report(False, "", say("The two figures are swapped: which engine glues the words?",
                              "두 값이 뒤바뀌었습니다: 어느 엔진이 단어를 붙입니까?"))
    elif hit5["pdfium"] == hit5["pypdf"]:
        report(False, "", say("Both figures are equal: did each load pass its own engine=...?",
                              "두 값이 같습니다: 로드마다 각자의 engine=...을 넘겼습니까?"))
    else:
        wrong = say(" and ", ", ").join(e for e in expected if not close[e])
        report(False, "", say(f"Off for {wrong}: change only engine=, then split_documents, "
                              "BM25 with k=5, dev_faq.", f"{wrong}의 값이 다릅니다: engine=만 "
                              "바꾸고 split_documents, k=5인 BM25, dev_faq는 그대로 쓰세요."))


def check_contents_cost(value: Any) -> None:
    """Notebook 02: hit@5 of BM25 over the Korean FAQ's chunks on its dev questions, with the
    table of contents kept (``load_text(..., clean=False)``)."""
    if unanswered(value):
        print(todo())
        return
    if not _is_share(value):
        report(False, "", say(
            "Expected hit@5: one number from 0 to 1, as hit_at_5 returns.",
            "hit@5가 필요합니다: hit_at_5가 반환하는 0에서 1 사이의 수 하나입니다."))
        return
    from helpers.documents.loaders import load_text

    source = "debian-faq/debian-faq.ko.txt"
    kept = _dev_hit_at_5(load_text(source, clean=False), source)
    dropped = _dev_hit_at_5(load_text(source), source)
    if abs(value - kept) < 1e-9:
        report(True, say(f"Right: keeping the contents drops hit@5 from {dropped:.2f} to "
                         f"{kept:.2f}; the step pays for itself.", "맞습니다: 목차를 남기면 "
                         f"hit@5가 {dropped:.2f}에서 {kept:.2f}까지 떨어집니다. 이 단계는 제값을 "
                         "합니다."), "")
    elif abs(value - dropped) < 1e-9:
        report(False, "", say("That is hit@5 with the contents dropped (the default): switch the "
                              "step off with clean=False.",
                              "목차를 지운(기본값) hit@5입니다: clean=False로 이 단계를 끄세요."))
    else:
        report(False, "", say("Not hit@5 of the Korean FAQ with its contents kept: use hit_at_5 "
                              "on load_text(..., clean=False).", "목차를 남긴 한국어 FAQ의 "
                              "hit@5가 아닙니다: load_text(..., clean=False)에 hit_at_5를 쓰세요."))


MODEL_LIMIT = 256  # word pieces all-MiniLM-L6-v2 reads; the rest of a text is dropped


def _n_tokens(texts: list[str]) -> list[int]:
    """Return the number of word pieces (special tokens included) of each text for MiniLM."""
    from helpers.embeddings.minilm import get_tokenizer

    return [len(ids) for ids in get_tokenizer()(texts)["input_ids"]]


def check_news_chunks(chunks: Any) -> None:
    """Notebook 03: the newsletter split with chunk_size=300, chunk_overlap=30, start indexes on."""
    if unanswered(chunks):
        print(todo())
        return
    from helpers.documents.loaders import load_text
    from helpers.documents.splitting import split_documents

    expected = split_documents(load_text("tidewell/news-2026.txt"), 300, 30)
    if not isinstance(chunks, list) or not all(hasattr(c, "metadata") for c in chunks):
        report(False, "", say("Expected a list of Documents, as split_documents() returns.",
                              "split_documents()가 반환하는 Document 리스트가 필요합니다."))
    elif any(len(c.page_content) > 300 for c in chunks):
        report(False, "", say("Some chunks are longer than 300 characters: check chunk_size.",
                              "300자보다 긴 청크가 있습니다: chunk_size를 확인하세요."))
    elif any("start_index" not in c.metadata for c in chunks):
        report(False, "", say("The chunks have no start_index: turn on add_start_index.",
                              "청크에 start_index가 없습니다: add_start_index를 켜세요."))
    else:
        report([c.page_content for c in chunks] == [c.page_content for c in expected],
               say(f"{len(chunks)} chunks, each with its source and start index.",
                   f"청크 {len(chunks)}개, 각각 출처와 시작 위치(start index)가 있습니다."),
               say("Not the chunks of news-2026.txt at chunk_size=300, chunk_overlap=30: check "
                   "both.", "chunk_size=300, chunk_overlap=30으로 나눈 news-2026.txt의 청크가 "
                   "아닙니다: 두 값을 모두 확인하세요."))


def check_safe_size(size: Any) -> None:
    """Notebook 03: the largest character chunk_size (100..500, step 50, overlap size // 10) at
    which no chunk of the Korean FAQ exceeds the model's 256 word pieces."""
    if unanswered(size):
        print(todo())
        return
    sizes = list(range(100, 501, 50))
    if size not in sizes:
        report(False, "", say("Expected one of 100, 150, 200, ..., 500 (a whole number).",
                              "100, 150, 200, ..., 500 중 하나(정수)가 필요합니다."))
        return
    from helpers.documents.loaders import load_text
    from helpers.documents.splitting import split_documents

    ko = load_text("debian-faq/debian-faq.ko.txt")

    def cut(n: int) -> int:
        chunks = split_documents(ko, n, n // 10)
        return sum(t > MODEL_LIMIT for t in _n_tokens([c.page_content for c in chunks]))

    if cut(size):
        report(False, "", say(
            f"At {size} some Korean chunks still exceed 256 word pieces: go smaller.",
            f"{size}에서는 아직 단어 조각 256개를 넘는 한국어 청크가 있습니다: 더 작게 하세요."))
        return
    report(size == 500 or cut(size + 50) > 0,
           say(f"Right: {size} is the largest of 100, 150, ..., 500 at which no Korean chunk"
               " exceeds 256 word pieces.", "맞습니다: 100, 150, ..., 500 중 어떤 한국어 청크도 "
               f"단어 조각 256개를 넘지 않는 가장 큰 값이 {size}입니다."),
           say(f"{size} is safe, but so is a larger size: find the largest.",
               f"{size}도 안전하지만 더 큰 값도 안전합니다: 가장 큰 값을 찾으세요."))


def _letters(text: str) -> int:
    """Return the number of characters of ``text`` that are not whitespace."""
    return len("".join(text.split()))


def check_token_chunks(chunks: Any) -> None:
    """Notebook 03: notice.ko.txt split so that no chunk exceeds 128 word pieces of MiniLM."""
    if unanswered(chunks):
        print(todo())
        return
    if not chunks or not isinstance(chunks, list) or not hasattr(chunks[0], "metadata"):
        report(False, "", say(
            "Expected a non-empty list of Documents, as split_documents() returns.",
            "split_documents()가 반환하는, 비어 있지 않은 Document 리스트가 필요합니다."))
        return
    from helpers.documents.loaders import load_text

    text = load_text("tidewell/notice.ko.txt")[0].page_content
    sizes = _n_tokens([c.page_content for c in chunks])
    too_long = sum(n > 128 for n in sizes)
    if any(c.metadata.get("source") != "tidewell/notice.ko.txt" for c in chunks):
        report(False, "", say("Split the Documents of tidewell/notice.ko.txt only (load_text).",
                              "tidewell/notice.ko.txt의 Document만 나누세요(load_text)."))
    elif too_long:
        report(False, "", say(
            f"{too_long} chunk(s) over 128 word pieces: leave room for [CLS], [SEP].",
            f"단어 조각 128개를 넘는 청크가 {too_long}개 있습니다: [CLS], [SEP] 자리를 남기세요."))
    elif sum(_letters(c.page_content) for c in chunks) < 0.95 * _letters(text):
        report(False, "", say("The chunks miss part of the notice: split the whole text.",
                              "청크에 공지문 일부가 빠졌습니다: 텍스트 전체를 나누세요."))
    else:
        report(sum(sizes) / len(sizes) >= 64,
               say(f"Right: {len(chunks)} chunks, the longest {max(sizes)} word pieces.",
                   f"맞습니다: 청크 {len(chunks)}개, 가장 긴 것은 단어 조각 {max(sizes)}개입니다."),
               say("Every chunk fits, but most are far shorter than needed: use most of the 128.",
                   "모든 청크가 들어가지만 대부분 필요보다 훨씬 짧습니다: 128개를 대부분 쓰세요."))
