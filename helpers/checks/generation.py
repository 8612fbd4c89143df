"""Exercise checks of notebooks 08-10: the chain, the reader, prompt injection.
"""

from __future__ import annotations

import functools
from typing import Any

from helpers.checks.common import report, todo, unanswered
from helpers.lang import say


def check_sources_chain(chain: Any) -> None:
    """Notebook 08: a chain returning {"answer": str, "sources": [labels]} for a question."""
    if unanswered(chain):
        print(todo())
        return
    if not hasattr(chain, "invoke"):
        report(False, "", say("Expected a runnable (an LCEL chain) with an invoke method.",
                              "invoke 메서드가 있는 Runnable(LCEL 체인)이 필요합니다."))
        return
    out = chain.invoke("How long must the fume extraction run after a laser job?")
    if not isinstance(out, dict) or not {"answer", "sources"} <= set(out):
        report(False, "", say("The output should be a dict with the keys 'answer' and 'sources'.",
                              "출력은 키 'answer'와 'sources'를 가진 dict여야 합니다."))
    elif not all(isinstance(s, str) for s in out["sources"]):
        report(False, "", say(
            "'sources' should be a list of labels (strings), e.g. source_label().",
            "'sources'는 레이블(문자열)의 리스트여야 합니다. 예: source_label()."))
    else:
        report(any("handbook" in s for s in out["sources"]),
               say("Right: the answer travels with the labels of the chunks it came from.",
                   "맞습니다: 답변이 자신이 나온 청크들의 레이블과 함께 전달됩니다."),
               say("The sources do not include the handbook: is the retriever in the chain?",
                   "출처에 핸드북이 없습니다: 체인에 리트리버가 들어 있습니까?"))


def check_citing_prompt(template: Any) -> None:
    """Notebook 08: a prompt template with {context} and {question} that asks for citations."""
    if unanswered(template):
        print(todo())
        return
    variables = set(getattr(template, "input_variables", []))
    if variables != {"context", "question"}:
        report(False, "", say(f"The template's variables are {sorted(variables)}; keep exactly "
                              "'context' and 'question' so the chain can fill them.",
                              f"템플릿의 변수는 {sorted(variables)}입니다. 체인이 채울 수 "
                              "있도록 정확히 'context'와 'question'만 두세요."))
        return
    from langchain_core.prompts import ChatPromptTemplate

    from helpers.prompts import DEFENDED_PROMPT, SEED_PROMPT

    def messages(p: Any) -> list[tuple[str, str]]:
        return [(m.type, str(m.content)) for m in p.format_messages(context="C", question="Q")]

    if hasattr(template, "format_messages") and any(
            messages(template) == messages(ChatPromptTemplate.from_template(t))
            for t in (SEED_PROMPT, DEFENDED_PROMPT)):
        report(False, "", say("That is one of the notebook's two prompts: write one of your own.",
                              "노트북의 두 프롬프트 중 하나입니다: 직접 작성하세요."))
        return
    text = str(template.format(context="C", question="Q")).lower()
    report("cite" in text or "source" in text,
           say("Right: same variables, and it asks for sources.",
               "맞습니다: 변수가 같고, 출처를 요청합니다."),
           say("It never asks the model to cite its sources.",
               "모델에게 출처를 인용하라고 요청하지 않습니다."))


def _reader_on_dev_at_k(k: int) -> dict[str, Any]:
    """Return :func:`helpers.evaluation.answers.evaluate_reader` on the dev questions of the course
    pipeline with the offline reader and ``k`` retrieved chunks."""
    from helpers.evaluation.answers import evaluate_reader
    from helpers.models.reader import ExtractiveChatModel
    from helpers.pipeline import course_chain
    from helpers.questions.course import load_questions

    dev = [q for q in load_questions() if q.get("split") == "dev"]
    return evaluate_reader(course_chain(ExtractiveChatModel(), k=k), dev)


def _is_dev_evaluation(result: Any) -> bool:
    """Return whether ``result`` is what ``evaluate_reader`` returns on the dev questions; if not,
    print why (the placeholder, another type, other questions) and return False."""
    if unanswered(result):
        print(todo())
        return False
    if not isinstance(result, dict) or not {"rows", "right", "wrong", "declined"} <= set(result):
        report(False, "", say("Expected the dict that evaluate_reader returns (with 'right', "
                              "'wrong', 'declined' and 'rows').", "evaluate_reader가 돌려주는 "
                              "dict('right', 'wrong', 'declined', 'rows' 포함)가 필요합니다."))
        return False
    from helpers.questions.course import load_questions

    dev_ids = [q["id"] for q in load_questions() if q.get("split") == "dev"]
    if [r.get("id") for r in result["rows"]] != dev_ids:
        report(False, "", say("These rows are not the dev questions: pass every question whose "
                              "split is 'dev', in the file's order.", "이 행들은 dev 질문이 "
                              "아닙니다: split이 'dev'인 질문을 모두, 파일의 순서대로 넘기세요."))
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
        report(False, "", say(f"Not the counts of course_chain(ExtractiveChatModel(), k={k}) on "
                              "dev: check k, and that the chain's model is the offline reader.",
                              f"dev에서 course_chain(ExtractiveChatModel(), k={k})의 개수가 "
                              "아닙니다: k를, 그리고 체인의 모델이 오프라인 리더인지 확인하세요."))
        return

    def line(n: int, r: dict[str, Any]) -> str:
        return say(f"k = {n}: right {r['right']}, wrong {r['wrong']} of {r['answerable']}; "
                   f"unanswerable declined {r['unanswerable_declined']} of {r['unanswerable']}",
                   f"k = {n}: {r['answerable']}개 중 맞는 답변 {r['right']}, 틀린 답변 "
                   f"{r['wrong']}; 답할 수 없는 질문 {r['unanswerable']}개 중 거절 "
                   f"{r['unanswerable_declined']}")

    base = 5 if k != 5 else 10  # the pipeline's own k, to compare with
    lines = sorted([(k, want), (base, _reader_on_dev_at_k(base))], key=lambda kr: kr[0])
    report(True, say(f"Right. {line(*lines[0])};\n   {line(*lines[1])}.",
                     f"맞습니다. {line(*lines[0])};\n   {line(*lines[1])}."), "")


def _injection_last_place(prompt: Any) -> tuple[int, int, int]:
    """Return ``(hijacked, key facts kept, answers)`` of SmolLM2 under ``prompt`` (a template
    string or a ``ChatPromptTemplate``), each attack of ``data/injection/attacks.jsonl`` in last
    place after the top 4 chunks of notebook 10's three injection questions."""
    import json

    from langchain_core.documents import Document
    from langchain_core.prompts import ChatPromptTemplate

    from helpers.documents.files import data_path
    from helpers.evaluation.answers import score_answer
    from helpers.models.smollm2 import get_small_llm
    from helpers.prompts import format_docs
    from helpers.questions.course import load_questions
    from helpers.retrieval.course import course_retriever

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
        print(todo())
        return
    from langchain_core.prompts import ChatPromptTemplate

    from helpers.models.smollm2 import SmallModelMissingError
    from helpers.prompts import DEFENDED_PROMPT, SEED_PROMPT

    if not isinstance(prompt, ChatPromptTemplate):
        report(False, "", say("Expected a ChatPromptTemplate (from_template or from_messages).",
                              "ChatPromptTemplate(from_template 또는 from_messages)이 필요합니다."))
        return
    variables = set(prompt.input_variables)
    if variables != {"context", "question"}:
        report(False, "", say(f"The prompt's variables are {sorted(variables)}; keep exactly "
                              "'context' and 'question' so that the test can fill them.",
                              f"프롬프트의 변수는 {sorted(variables)}입니다. 공격 시험이 채울 "
                              "수 있도록 정확히 'context'와 'question'만 두세요."))
        return

    def messages(p: Any) -> list[tuple[str, str]]:
        return [(m.type, str(m.content)) for m in p.format_messages(context="C", question="Q")]

    given = [ChatPromptTemplate.from_template(t) for t in (SEED_PROMPT, DEFENDED_PROMPT)]
    if any(messages(prompt) == messages(p) for p in given):
        report(False, "", say("That is one of the notebook's two prompts: write one of your own.",
                              "노트북의 두 프롬프트 중 하나입니다: 직접 작성하세요."))
        return
    if counts is None:  # what the notebook's attacked() returns when the small LLM is missing
        from helpers.models import smollm2 as llm

        try:
            llm.gguf_path()
        except SmallModelMissingError as err:
            report(False, "", str(err))
            return
        print(todo())
        return
    if not (isinstance(counts, tuple | list) and len(counts) == 3
            and all(isinstance(c, int) for c in counts)):
        report(False, "", say("Expected what attacked() returns: (hijacked, key facts kept, "
                              "answers).", "attacked()가 돌려주는 값이 필요합니다: (탈취 수, "
                              "핵심 사실을 지킨 수, 답변 수)."))
        return
    try:
        yours = _injection_last_place(prompt)
    except SmallModelMissingError as err:
        report(False, "", str(err))
        return
    if tuple(counts) != yours:
        hint = (say(f"These counts come from {counts[2]} answers: the test puts each attack in "
                    "last place only, positions=(4,).",
                    f"이 횟수는 답변 {counts[2]}개에서 나왔습니다: 공격 시험은 각 공격을 마지막 "
                    "자리에만 둡니다(positions=(4,)).") if counts[2] != yours[2] else
                say("These are not your prompt's counts: measure my_prompt itself, with "
                    "attacked(small_llm, my_prompt, positions=(4,)).",
                    "여러분 프롬프트의 횟수가 아닙니다: my_prompt 자체를 "
                    "attacked(small_llm, my_prompt, positions=(4,))로 측정하세요."))
        report(False, "", hint)
        return
    seed, defended = (_injection_last_place(t) for t in (SEED_PROMPT, DEFENDED_PROMPT))
    report(True, say(f"Measured. Hijacked, key facts kept, of {yours[2]}: yours {yours[:2]}, seed "
                     f"prompt {seed[:2]}, defended {defended[:2]}.", "측정했습니다. 답변 "
                     f"{yours[2]}개 중 탈취, 핵심 사실 유지: 여러분의 것 {yours[:2]}, 학습 노트의 "
                     f"프롬프트 {seed[:2]}, 방어 프롬프트 {defended[:2]}."), "")


def _reader_on_dev(min_score: float) -> dict[str, Any]:
    """Return :func:`helpers.evaluation.answers.evaluate_reader` of the course pipeline on the dev
    questions, with the offline reader declining below ``min_score``."""
    from helpers.evaluation.answers import evaluate_reader
    from helpers.models.reader import ExtractiveChatModel
    from helpers.pipeline import course_chain
    from helpers.questions.course import load_questions

    dev = [q for q in load_questions() if q.get("split") == "dev"]
    return evaluate_reader(course_chain(ExtractiveChatModel(min_score=min_score)), dev)


def check_low_threshold(result: Any, min_score: float = 0.9) -> None:
    """Notebook 09: ``evaluate_reader`` on the dev questions of the course pipeline whose reader
    declines below ``min_score``."""
    if not _is_dev_evaluation(result):
        return
    expected = _reader_on_dev(min_score)
    counts = ("right", "wrong", "declined", "unanswerable_declined")
    report(all(result[c] == expected[c] for c in counts),
           say(f"Right: below {min_score}, {expected['right']} of {expected['answerable']} right, "
               f"{expected['wrong']} wrong; {expected['unanswerable_declined']} of "
               f"{expected['unanswerable']} unanswerable declined.",
               f"맞습니다: {min_score} 미만에서 거절하면 {expected['answerable']}개 중 맞는 답변 "
               f"{expected['right']}, 틀린 답변 {expected['wrong']}; 답할 수 없는 질문 "
               f"{expected['unanswerable']}개 중 {expected['unanswerable_declined']}개 거절."),
           say(f"Not the counts of the course pipeline with ExtractiveChatModel(min_score="
               f"{min_score}): check the threshold, and that the reader is the one in "
               "course_chain(...).",
               f"ExtractiveChatModel(min_score={min_score})을 쓴 강좌 파이프라인의 개수가 "
               "아닙니다: 임계값을, 그리고 리더가 course_chain(...) 안의 리더인지 확인하세요."))


@functools.lru_cache(maxsize=1)
def _dev_contexts() -> tuple[tuple[dict[str, Any], tuple[Any, ...]], ...]:
    """Return each dev question with the chunks the course retriever gives it (once a process)."""
    from helpers.questions.course import load_questions
    from helpers.retrieval.course import course_retriever

    retriever = course_retriever()
    dev = [q for q in load_questions() if q.get("split") == "dev"]
    return tuple((q, tuple(retriever.invoke(q["question"]))) for q in dev)


def _no_cosine_on_dev() -> dict[str, Any]:
    """Return the threshold that notebook 09's rule chooses on dev for the offline reader with
    its cosine weight at 0, and the dev counts at that threshold."""
    import math

    from helpers.evaluation.answers import choose_threshold, reader_tally, score_answer
    from helpers.models.reader import WEIGHTS, read, score_units
    from helpers.models.reader_units import prompt_units
    from helpers.prompts import DEFENDED_PROMPT, format_docs, source_label

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
        print(todo())
        return
    keys = ("right", "wrong", "declined", "unanswerable_declined")
    try:
        threshold = float(value["threshold"])
        got = {k: int(value[k]) for k in keys}
    except (TypeError, KeyError, ValueError, IndexError):
        report(False, "", say("Expected the dict that counts(answers, threshold) returns (with "
                              "'threshold', 'right', 'wrong', 'declined', ...).", "counts(answers, "
                              "threshold)가 돌려주는 dict('threshold', 'right', 'wrong', "
                              "'declined', ... 포함)가 필요합니다."))
        return
    from helpers.models.reader import MIN_SCORE

    want = _no_cosine_on_dev()
    same_threshold = abs(threshold - want["threshold"]) < 0.005
    if same_threshold and all(got[k] == want[k] for k in keys):
        report(True, say(
            f"Right: without cosine, dev chooses {want['threshold']}: {want['right']} of "
            f"{want['answerable']} right, {want['wrong']} wrong; {want['unanswerable_declined']} "
            f"of {want['unanswerable']} unanswerable declined.",
            f"맞습니다: 코사인 없이 dev는 {want['threshold']}을 고릅니다: {want['answerable']}개 "
            f"중 맞는 답변 {want['right']}, 틀린 답변 {want['wrong']}; 답할 수 없는 질문 "
            f"{want['unanswerable']}개 중 {want['unanswerable_declined']}개 거절."), "")
    elif abs(threshold - MIN_SCORE) < 0.005 and not same_threshold:
        report(False, "", say("That is MIN_SCORE, chosen for scores that include the cosine term: "
                              "without it scores are lower, so choose the threshold again on dev.",
                              "MIN_SCORE입니다. 코사인 항을 포함한 점수에 맞춰 고른 값입니다: "
                              "코사인 항이 없으면 점수가 낮아지니 dev에서 임계값을 다시 고르세요."))
    elif same_threshold:
        report(False, "", say("The threshold is right but the counts are not: re-read every dev "
                              "question with only the 'cosine' weight set to 0.", "임계값은 "
                              "맞지만 개수가 틀립니다: 'cosine' 가중치만 0으로 두고 모든 dev "
                              "질문을 다시 읽으세요."))
    else:
        report(False, "", say("Not the threshold dev chooses without the cosine term: set only "
                              "'cosine' to 0, re-read every item of items['dev'], then use "
                              "choose_threshold.", "코사인 항 없이 dev가 고르는 임계값이 "
                              "아닙니다: 'cosine'만 0으로 두고 items['dev']의 모든 항목을 다시 "
                              "읽은 뒤 choose_threshold를 쓰세요."))
