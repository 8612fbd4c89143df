"""Exercise checks of notebooks 06 and 07: retrievers, MMR, BM25 and fusion.
"""

from __future__ import annotations

from typing import Any

from helpers.checks.common import report, todo, unanswered, whole_number
from helpers.lang import say


def check_threshold_retriever(retriever: Any) -> None:
    """Notebook 06: a score-threshold retriever that returns nothing for an off-topic question."""
    if unanswered(retriever):
        print(todo())
        return
    if not hasattr(retriever, "invoke"):
        report(False, "", say(
            "Expected a retriever: the result of vectorstore.as_retriever(...).",
            "리트리버가 필요합니다: vectorstore.as_retriever(...)의 결과입니다."))
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
        report(False, "", say(
            "It still returns chunks for an off-topic question: raise the threshold.",
            "주제 밖 질문에도 청크를 반환합니다: 임계값을 높이세요."))
    else:
        report(bool(on_topic),
               say("Right: nothing for cake, something for the membership price.",
                   "맞습니다: 케이크 질문에는 결과가 없고, 회비 질문에는 있습니다."),
               say("It returns nothing at all, even on topic: lower the threshold.",
                   "주제에 맞는 질문에도 아무것도 반환하지 않습니다: 임계값을 낮추세요."))


NO_KOREAN = {"source": {"$ne": "debian-faq/debian-faq.ko.txt"}}


def _english_dev_hits() -> dict[str, int]:
    """Return how many English answerable dev questions find their evidence in the top 5 of the
    course index (MiniLM) by similarity, by MMR (k=5, fetch_k=50), and by that MMR searching
    without the Korean FAQ; and how many questions there are."""
    from helpers.evaluation.metrics import relevance
    from helpers.index.chroma import course_index
    from helpers.questions.course import load_questions

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
    if not whole_number(value, "how many English dev questions it hits.", "찾는 영어 dev 질문 수."):
        return
    counts = _english_dev_hits()
    if value == counts["similarity"] != counts["no_korean"]:
        report(False, "", say(
            "That is similarity's count: the retriever must be MMR (search_type='mmr').",
            "유사도 검색의 개수입니다: 리트리버는 MMR(search_type='mmr')이어야 합니다."))
        return
    n, hits, mmr, sim = (counts[k] for k in ("questions", "no_korean", "mmr", "similarity"))
    report(value == hits,
           say(f"Right: {hits} of {n} without the Korean FAQ; MMR over the whole index {mmr}, "
               f"similarity {sim}.",
               f"맞습니다: 한국어 FAQ를 빼면 {n}개 중 {hits}개, 인덱스 전체의 MMR은 {mmr}개, "
               f"유사도 검색은 {sim}개입니다."),
           say("Not the count of MMR (k=5, fetch_k=50, filter=no_korean) on the English answerable "
               "dev questions: check the filter, the split and the language.",
               "답할 수 있는 영어 dev 질문에서 MMR(k=5, fetch_k=50, filter=no_korean)이 찾은 "
               "개수가 아닙니다: 필터, 세트, 언어를 확인하세요."))


def _bm25_scores_by_lang(b: float, split: str = "dev") -> dict[str, dict[str, float]]:
    """Return :func:`helpers.evaluation.sweeps.evaluate`'s scores per language of BM25 alone (bm25s,
    k1 = 1.5, the given ``b``, k = 5) over the course's chunks, on the answerable questions of
    ``split``."""
    from helpers.evaluation.sweeps import evaluate
    from helpers.questions.course import load_questions, split_questions
    from helpers.retrieval.bm25 import BM25Retriever, bm25s, tokenize
    from helpers.retrieval.course import course_bm25

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
        print(todo())
        return
    if not isinstance(value, dict) or set(value) != {"en", "ko"} or not all(
        isinstance(v, dict) and {"hit@5", "MRR"} <= set(v) for v in value.values()
    ):
        report(False, "", say(
            'Expected {"en": evaluate(...), "ko": evaluate(...)}: the dicts evaluate returns.',
            '{"en": evaluate(...), "ko": evaluate(...)}가 필요합니다: evaluate가 반환하는 dict.'))
        return
    want, usual = _bm25_scores_by_lang(0.0), _bm25_scores_by_lang(0.75)
    if _same_scores(value, usual):
        report(False, "", say(
            "These are the scores of the usual b = 0.75: pass b=0.0 to bm25s.BM25.",
            "평소의 b = 0.75로 얻은 점수입니다: bm25s.BM25에 b=0.0을 넘기세요."))
    elif _same_scores(value, _bm25_scores_by_lang(0.0, "test")):
        report(False, "", say("These are test questions: settings are measured on dev.",
                              "test 질문의 점수입니다: 설정은 dev에서 측정합니다."))
    elif not _same_scores(value, want):
        report(False, "", say(
            "Not BM25's dev scores with b = 0: bm25s.BM25(b=0.0) on doc_tokens, k=5, one "
            "evaluate per language.",
            "b = 0인 BM25의 dev 점수가 아닙니다: doc_tokens에 bm25s.BM25(b=0.0), k=5를 쓰고 "
            "언어마다 evaluate를 한 번씩 호출하세요."))
    else:
        moved = {lang: round((want[lang]["hit@5"] - usual[lang]["hit@5"]) * want[lang]["n"])
                 for lang in ("en", "ko")}
        report(True, say("Right. b = 0 against b = 0.75: top-5 hits ",
                         "맞습니다. b = 0 대 b = 0.75: 상위 5개 적중 ")
               + ", ".join(f"{moved[lang]:+d}/{want[lang]['n']} ({lang})" for lang in moved)
               + "; MRR " + ", ".join(f"{want[lang]['MRR'] - usual[lang]['MRR']:+.3f} ({lang})"
                                      for lang in moved) + ".", "")


def check_bm25_by_hand(value: Any) -> None:
    """Notebook 07: what one term adds to a chunk's BM25 score (bm25s's lucene variant): in 3
    of 100 chunks, twice in a chunk of 60 tokens, mean length 40, k1 = 1.5, b = 0.75."""
    if unanswered(value):
        print(todo())
        return
    import math

    try:
        got = float(value)
    except (TypeError, ValueError):
        report(False, "", say("Expected a number.", "숫자가 필요합니다."))
        return
    idf = math.log(1 + (100 - 3 + 0.5) / (3 + 0.5))
    tf = 2 / (2 + 1.5 * (1 - 0.75 + 0.75 * 60 / 40))
    slips = [
        (idf * tf * 2.5, say("That is the textbook form, times k1 + 1: bm25s's lucene variant "
                             "(the notebook's formula) drops it.",
                             "k1 + 1을 곱한 교과서 형태입니다: bm25s의 lucene 변형(노트북의 "
                             "공식)에는 이 곱이 없습니다.")),
        (idf * 2 / (2 + 1.5), say("The chunk is longer than the mean: with b = 0.75 its length "
                                  "should shrink the term-frequency part.",
                                  "청크가 평균보다 깁니다: b = 0.75이면 그 길이가 용어 빈도 "
                                  "부분을 줄여야 합니다.")),
        (idf * 2 / (2 + 1.5 * (1 - 0.75 + 0.75 * 40 / 60)), say(
            "Check |d| / avgdl: the chunk has 60 tokens, the mean is 40.",
            "|d| / avgdl을 확인하세요: 청크는 토큰 60개, 평균은 40개입니다.")),
        (math.log((100 - 3 + 0.5) / (3 + 0.5)) * tf, say(
            "IDF: the formula adds 1 inside the logarithm.",
            "IDF: 공식은 로그 안에 1을 더합니다.")),
        (math.log10(1 + (100 - 3 + 0.5) / (3 + 0.5)) * tf, say(
            "math.log is the natural logarithm, as in the formula; a base-10 logarithm gives a "
            "smaller IDF.",
            "math.log는 공식과 같은 자연로그입니다. 밑이 10인 로그는 IDF를 더 작게 만듭니다.")),
    ]
    if abs(got - idf * tf) <= 1e-3 * idf * tf:
        report(True, say(f"Right: IDF {idf:.3f} times the term-frequency part {tf:.3f}.",
                         f"맞습니다: IDF {idf:.3f} 곱하기 용어 빈도 부분 {tf:.3f}입니다."), "")
        return
    hint = next((h for v, h in slips if abs(got - v) <= 1e-3 * v), say(
        "Not quite: compute the IDF and the term-frequency part separately, then multiply them.",
        "조금 다릅니다: IDF와 용어 빈도 부분을 따로 계산한 뒤 곱하세요."))
    report(False, "", hint)












