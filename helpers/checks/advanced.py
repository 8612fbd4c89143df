"""Exercise checks of notebooks 14 and 15: reciprocal rank fusion, reranking depth, follow-up
questions.
"""

from __future__ import annotations

from typing import Any

from helpers.checks.common import report, todo, unanswered
from helpers.lang import say


def check_rrf(value: Any) -> None:
    """Notebook 14: the RRF score (c = 60) of a chunk ranked 1st by one query and 3rd by another."""
    if unanswered(value):
        print(todo())
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        report(False, "", say("Expected a number.", "숫자가 필요합니다."))
        return
    report(
        abs(value - (1 / 61 + 1 / 63)) < 1e-9,
        say(f"Right: {value:.5f}; a chunk found by two queries beats one found first by only one "
            f"(1/61 = {1 / 61:.5f}).",
            f"맞습니다: {value:.5f}. 두 쿼리가 찾은 청크가 한 쿼리만 1위로 찾은 청크보다 앞섭니다 "
            f"(1/61 = {1 / 61:.5f})."),
        say("Not quite: with c = 60, rank r adds 1 / (60 + r) in each list the chunk appears in; "
            "ranks start at 1.",
            "조금 다릅니다: c = 60이면 청크가 나오는 목록마다 순위 r에서 1 / (60 + r)을 더합니다. "
            "순위는 1부터 셉니다."),
    )


def _korean_rerank_mrr(beta: float, depths: tuple[int, ...] = (10, 20)) -> dict[int, float]:
    """Return, per depth, the dev MRR of the answerable Korean questions when the course
    retriever's top ``depth`` (fused) are re-sorted by ``(1 - beta) * fused + beta * USE cosine``
    (the cosine min-max scaled over the candidates), as notebook 14's ``rerank`` does."""
    import numpy as np

    from helpers.documents.hangul import script_of
    from helpers.evaluation.metrics import relevance
    from helpers.evaluation.sweeps import summarize
    from helpers.index.chroma import course_index, embedder_for
    from helpers.index.vectors import store_vectors
    from helpers.questions.course import load_questions
    from helpers.retrieval.course import course_retriever
    from helpers.retrieval.hybrid import ALPHA, candidates, fuse

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
        print(todo())
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        report(False, "", say("Expected a number: summarize(...)['MRR'].",
                              "숫자가 필요합니다: summarize(...)['MRR']."))
        return
    mrr = _korean_rerank_mrr(beta)
    if abs(value - mrr[10]) <= 1e-3:
        if mrr[10] > mrr[20]:
            change = say("a shallower pool helped", "더 얕은 후보 풀이 도움이 되었습니다")
        elif mrr[10] == mrr[20]:
            change = say("no change", "차이가 없습니다")
        else:
            change = say("the deeper pool was better", "더 깊은 풀이 나았습니다")
        report(True, say(f"Right: Korean dev MRR {mrr[10]:.3f} from the top 10, {mrr[20]:.3f} from "
                         f"the top 20 ({change}).",
                         f"맞습니다: 한국어 dev MRR은 상위 10개에서 {mrr[10]:.3f}, 상위 20개에서 "
                         f"{mrr[20]:.3f}입니다({change})."), "")
    elif abs(value - mrr[20]) <= 1e-3:
        report(False, "", say(
            "That is the MRR from the top 20 (the sweep's): pass depth=10 to rerank.",
            "상위 20개에서의 MRR(스윕의 값)입니다: rerank에 depth=10을 넘기세요."))
    else:
        report(False, "", say("Not the MRR of the answerable Korean dev questions reranked with "
                              "depth=10 at beta_of['ko'].",
                              "답할 수 있는 한국어 dev 질문을 beta_of['ko']와 depth=10으로 "
                              "재순위화한 MRR이 아닙니다."))


def check_follow_up(item: Any) -> None:
    """Notebook 15: ``(gold id, previous question, follow-up)`` where the follow-up alone misses
    the gold chunk in the course retriever's top 5 and finds it after the previous question."""
    if unanswered(item):
        print(todo())
        return
    if not (isinstance(item, tuple | list) and len(item) == 3
            and all(isinstance(x, str) for x in item)):
        report(False, "", say('Expected three strings: ("tw-..", "a first question", '
                              '"a follow-up").', '문자열 세 개가 필요합니다: ("tw-..", "첫 질문", '
                              '"후속 질문").'))
        return
    from helpers.evaluation.metrics import relevance
    from helpers.questions.course import load_questions
    from helpers.retrieval.course import course_retriever

    gold, previous, follow_up = item
    q = {x["id"]: x for x in load_questions()}.get(gold)
    if q is None or not q["answerable"]:
        report(False, "", say("The first element must be the id of an answerable question of "
                              "data/questions.jsonl.", "첫 요소는 data/questions.jsonl에 있는 "
                              "답할 수 있는 질문의 id여야 합니다."))
        return
    retriever = course_retriever()
    alone = any(relevance(retriever.invoke(follow_up), q["gold"]))
    glued = any(relevance(retriever.invoke(f"{previous} {follow_up}"), q["gold"]))
    report(
        not alone and glued,
        say("Right: alone the follow-up misses the gold chunk; after the previous question it "
            "finds it.", "맞습니다: 후속 질문 단독으로는 정답 청크를 놓치고, 앞 질문을 붙이면 "
            "찾습니다."),
        say("The follow-up alone already finds the gold chunk: make it lean more on the history.",
            "후속 질문만으로도 이미 정답 청크를 찾습니다: 대화 기록에 더 기대는 질문으로 "
            "바꾸세요.")
        if alone else say("Even after the previous question the gold chunk is not in the top 5: "
                          "choose a previous question closer to it.",
                          "앞 질문을 붙여도 정답 청크가 상위 5개 안에 없습니다: 정답 청크에 더 "
                          "가까운 앞 질문을 고르세요."),
    )


def _glue_scores(follow_ups: Any, glue: Any) -> dict[str, float]:
    """Return hit@5 and MRR on the answerable dev follow-ups when the previous question is glued
    to the follow-ups for which ``glue(follow_up)`` is true."""
    from helpers.evaluation.metrics import relevance
    from helpers.evaluation.sweeps import summarize
    from helpers.retrieval.course import course_retriever

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
        print(todo())
        return
    if not isinstance(value, dict) or not {"hit@5", "MRR"} <= set(value):
        report(False, "", say('Expected a dict with "hit@5" and "MRR" (summarize(...) gives one).',
                              '"hit@5"와 "MRR"이 있는 dict가 필요합니다(summarize(...)가 '
                              '돌려줍니다).'))
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
        report(True, say(f"Right: hit@5 {want['hit@5']:.3f}, MRR {want['MRR']:.3f} on dev; always "
                         f"gluing {always['hit@5']:.3f}/{always['MRR']:.3f}, never "
                         f"{never['hit@5']:.3f}/{never['MRR']:.3f}.",
                         f"맞습니다: dev에서 hit@5 {want['hit@5']:.3f}, MRR {want['MRR']:.3f}. "
                         f"항상 붙이면 {always['hit@5']:.3f}/{always['MRR']:.3f}, 붙이지 않으면 "
                         f"{never['hit@5']:.3f}/{never['MRR']:.3f}입니다."), "")
    elif same(always) or same(never):
        which = "always" if same(always) else "never"
        which_ko = "항상 붙일" if same(always) else "전혀 붙이지 않을"
        report(False, "", say(f"Those are the scores of {which} gluing: glue only when the "
                              'follow-up starts with "And ".',
                              f"{which_ko} 때의 점수입니다: 후속 질문이 \"And \"로 시작할 때만 "
                              "붙이세요."))
    else:
        report(False, "", say('Not the rule\'s scores on the answerable dev follow-ups: glue only '
                              'those that start with "And ".',
                              '답할 수 있는 dev 후속 질문에 규칙을 적용한 점수가 아닙니다: '
                              '"And "로 시작하는 질문에만 붙이세요.'))
