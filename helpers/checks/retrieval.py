"""Exercise checks of notebooks 06, 07, 14 and 15: retrievers, MMR, BM25, fusion, reranking,
conversations.
"""

from __future__ import annotations

from typing import Any

from helpers.checks.common import TODO, report, unanswered


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
    from helpers.evaluation.metrics import relevance
    from helpers.questions.course import load_questions
    from helpers.retrieval.course import course_retriever

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
