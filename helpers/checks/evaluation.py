"""Exercise checks of notebooks 12-13: retrieval metrics and the capstone.
"""

from __future__ import annotations

from typing import Any

from helpers.checks.common import report, todo, unanswered
from helpers.lang import say


def check_mrr(value: Any) -> None:
    """Notebook 12: the MRR of the ranking [miss, miss, hit, miss, hit]."""
    if unanswered(value):
        print(todo())
        return
    try:
        close = abs(float(value) - 1 / 3) < 1e-6
    except (TypeError, ValueError):
        report(False, "", say("Expected a number.", "숫자가 필요합니다."))
        return
    report(close,
           say("Right: only the first relevant result counts, at rank 3.",
               "맞습니다: 첫 번째 관련 결과(3위)만 셉니다."),
           say("Not quite: MRR takes 1/rank of the *first* relevant result only.",
               "조금 다릅니다: MRR은 *첫 번째* 관련 결과의 1/순위만 씁니다."))


def _dev_mrr_at_fetch_k(fetch_k: int) -> dict[str, float]:
    """Return the dev MRR per question script of the course retriever when each component hands
    ``fetch_k`` candidates to the fusion, at the chosen alpha
    (``helpers.retrieval.hybrid.ALPHA``)."""
    from helpers.evaluation.fusion import alpha_sweep
    from helpers.index.vectors import cached_course_retriever
    from helpers.questions.course import load_questions, split_questions
    from helpers.retrieval.hybrid import ALPHA

    dev = split_questions(load_questions(), "dev")
    retriever = cached_course_retriever().model_copy(update={"fetch_k": fetch_k})
    rows = alpha_sweep(retriever, dev, sorted(set(ALPHA.values())))
    return {r["script"]: r["MRR"] for r in rows if r["alpha"] == ALPHA[r["script"]]}


def check_fetch5(value: Any) -> None:
    """Notebook 12: the dev MRR per script ({"en": ..., "ko": ...}) of the course retriever with
    ``fetch_k=5`` instead of 50, at the chosen alpha."""
    if unanswered(value):
        print(todo())
        return
    from helpers.retrieval.hybrid import FETCH_K

    want = _dev_mrr_at_fetch_k(5)
    if not isinstance(value, dict) or set(value) != set(want):
        report(False, "", say('Expected a dict with the keys "en" and "ko" (one MRR per script).',
                              '키 "en"과 "ko"를 가진 dict가 필요합니다(문자 체계별 MRR 하나씩).'))
        return
    try:
        close = all(abs(float(value[s]) - want[s]) <= 5e-4 for s in want)  # rounded or not
    except (TypeError, ValueError):
        close = False
    usual = _dev_mrr_at_fetch_k(FETCH_K) if close else {}
    change = {s: round(want[s] - usual[s], 3) for s in usual}
    report(
        close,
        say(f"Right. MRR@10 change against fetch_k={FETCH_K}: {change}.",
            f"맞습니다. fetch_k={FETCH_K} 대비 MRR@10 변화: {change}."),
        say("Not the dev MRR of fetch_k=5 at the chosen α: use dev (not test), ALPHA, and the "
            "'MRR' of alpha_sweep's rows.",
            "선택한 α에서 fetch_k=5의 dev MRR이 아닙니다: (test가 아닌) dev, ALPHA, 그리고 "
            "alpha_sweep 행의 'MRR'을 쓰세요."),
    )


def _dev_scores_by_lang(alpha: dict[str, float] | None = None) -> dict[str, dict[str, float]]:
    """Return :func:`helpers.evaluation.sweeps.evaluate`'s dev scores per language of the course
    retriever at ``alpha`` (default: the course's ``ALPHA``)."""
    from helpers.evaluation.sweeps import evaluate
    from helpers.index.vectors import cached_course_retriever
    from helpers.questions.course import load_questions, split_questions

    retriever = cached_course_retriever(alpha=alpha)
    return {lang: evaluate(retriever.invoke, split_questions(load_questions(), "dev", lang))
            for lang in ("en", "ko")}


def check_dense_only(value: Any) -> None:
    """Notebook 13: the dev scores per language (``{"en": evaluate(...), "ko": evaluate(...)}``)
    of the course retriever made dense only (``alpha`` 1.0 for both scripts)."""
    if unanswered(value):
        print(todo())
        return
    if not isinstance(value, dict) or set(value) != {"en", "ko"} or not all(
        isinstance(v, dict) and {"hit@5", "MRR"} <= set(v) for v in value.values()
    ):
        report(False, "", say('Expected {"en": evaluate(...), "ko": evaluate(...)}: one dict of '
                              "scores per language.",
                              '{"en": evaluate(...), "ko": evaluate(...)}가 필요합니다: 언어마다 '
                              "점수 dict 하나씩."))
        return
    want = _dev_scores_by_lang({"en": 1.0, "ko": 1.0})
    try:
        ok = all(abs(float(value[lang][m]) - want[lang][m]) <= 5e-4
                 for lang in want for m in ("hit@5", "MRR"))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        report(False, "", say("Not the dev scores of the dense-only retriever: alpha 1.0 for "
                              "both scripts, the answerable dev questions of each language.",
                              "밀집 검색만 쓰는 리트리버의 dev 점수가 아닙니다: 두 문자 체계 모두 "
                              "alpha 1.0, 각 언어의 답할 수 있는 dev 질문으로 채점하세요."))
        return
    hybrid = _dev_scores_by_lang()
    change = "; ".join(f"{lang} hit@5 {hybrid[lang]['hit@5'] - want[lang]['hit@5']:+.3f}, "
                       f"MRR {hybrid[lang]['MRR'] - want[lang]['MRR']:+.3f}" for lang in want)
    report(True, say(f"Right. Hybrid minus dense only, dev: {change}.",
                     f"맞습니다. 하이브리드 − 밀집 검색 단독(dev): {change}."), "")
