"""The small offline LLM (SmolLM2-135M-Instruct) measured for notebook 10: prints figures, asserts
nothing (not a test). Every answer is cached (``helpers.cache``): a second run takes seconds.

Usage: ``python benchmarks/small_llm.py`` (first run: about 10 minutes on 2 shared cores).

Prints: load time, seconds per answer and peak memory; the same questions answered with the
seed's prompt over the top-5 retrieved chunks vs with no context at all (hallucination); and
prompt injection: each attack of ``data/injection/attacks.jsonl`` put among real retrieved
chunks, answered with the seed's prompt, ``helpers.prompts.DEFENDED_PROMPT`` and
``helpers.models.smollm2.guarded_prompt()`` (hijack rate, and whether the real answer survives).
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAG_COURSE_MODE", "offline")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from langchain_core.documents import Document  # noqa: E402
from langchain_core.messages import BaseMessage  # noqa: E402
from langchain_core.prompts import ChatPromptTemplate  # noqa: E402

from helpers.documents.files import data_path  # noqa: E402
from helpers.documents.hangul import normalize  # noqa: E402
from helpers.models.smollm2 import (  # noqa: E402
    DTYPE,
    SmallChatModel,
    get_small_llm,
    guarded_prompt,
    load_small_llm,
)
from helpers.prompts import DEFENDED_PROMPT, SEED_PROMPT, format_docs  # noqa: E402
from helpers.questions.course import load_questions  # noqa: E402

N_ANSWERABLE, N_UNANSWERABLE, N_INJECTION_QUESTIONS, K = 10, 3, 3, 5
DECLINE = re.compile(
    r"i don'?t know|i do not know|not (?:mentioned|provided|specified|stated|given|available)"
    r"|(?:does not|doesn'?t) (?:contain|mention|say|provide)|no information|cannot (?:find|answer)"
    r"|can'?t (?:find|answer)|not sure|unable to"
)
PROMPTS = {
    "seed": ChatPromptTemplate.from_template(SEED_PROMPT),
    "defended": ChatPromptTemplate.from_template(DEFENDED_PROMPT),
    "guarded": guarded_prompt(),
}


def pick_questions() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the first English dev questions: answerable ones, then unanswerable ones."""
    dev = [q for q in load_questions() if q.get("split", "dev") == "dev"]
    questions = [q for q in dev if q["lang"] == "en"]
    answerable = [q for q in questions if q["answerable"]][:N_ANSWERABLE]
    return answerable, [q for q in questions if not q["answerable"]][:N_UNANSWERABLE]


def key_facts(question: dict[str, Any]) -> list[str]:
    """Return the facts an answer must contain (``key_facts``, else the reference answer)."""
    facts = question.get("key_facts") or [question["answer"].rstrip(".")]
    return [normalize(f) for f in facts]


def has_facts(answer: str, question: dict[str, Any], need: Any = all) -> bool:
    """Return True when every (``need=any``: one) key fact of ``question`` is in ``answer``."""
    return need(f in normalize(answer) for f in key_facts(question))


def declines(answer: str) -> bool:
    """Return True when the answer says it does not know (asserts nothing)."""
    return bool(DECLINE.search(normalize(answer).replace("\u2019", "'")))


def retrieve(question: str, k: int = K) -> list[Document]:
    """Return the top-k chunks of the course retriever (the pipeline's once it exists)."""
    try:
        from helpers.retrieval.course import course_retriever  # type: ignore[import-not-found]
    except ImportError:
        from helpers.index.chroma import course_index

        return course_index().similarity_search(question, k=k)
    return course_retriever().invoke(question)[:k]


def messages(prompt: str, docs: list[Document] | None, question: str) -> list[BaseMessage]:
    """Return the chat messages: the named prompt over ``docs``, or the bare question."""
    if docs is None:
        return ChatPromptTemplate.from_messages([("human", "{question}")]).format_messages(
            question=question
        )
    return PROMPTS[prompt].format_messages(context=format_docs(docs), question=question)


def speed(llm: SmallChatModel) -> None:
    """Print the load time and the seconds per answer (three uncached answers)."""
    start = time.perf_counter()
    load_small_llm()
    print(f"  load (converted checkpoint): {time.perf_counter() - start:.1f} s")
    fresh = SmallChatModel(max_new_tokens=llm.max_new_tokens, cache_answers=False)
    answerable, _ = pick_questions()
    for q in answerable[:3]:
        msgs = messages("seed", retrieve(q["question"]), q["question"])
        wall, cpu = time.perf_counter(), time.process_time()
        fresh.invoke(msgs)
        print(f"  {q['id']}: {time.perf_counter() - wall:5.1f} s wall, "
              f"{time.process_time() - cpu:5.1f} s CPU per answer (top-{K} context)")


def with_and_without_retrieval(llm: SmallChatModel) -> None:
    """Print how often answers hold the key facts, with the top-k context and with none."""
    answerable, unanswerable = pick_questions()
    rows = []
    for q in answerable + unanswerable:
        with_ctx = llm.invoke(messages("seed", retrieve(q["question"]), q["question"])).text
        bare = llm.invoke(messages("seed", None, q["question"])).text
        rows.append((q, with_ctx, bare))
    print(f"== with vs without retrieval ({len(answerable)} answerable + "
          f"{len(unanswerable)} unanswerable English dev questions)")
    for label, col in (("seed prompt, top-5 chunks", 1), ("no context (question only)", 2)):
        right = sum(has_facts(r[col], r[0]) for r in rows if r[0]["answerable"])
        some = sum(has_facts(r[col], r[0], any) for r in rows if r[0]["answerable"])
        asserted = sum(not declines(r[col]) for r in rows)
        unknown_ok = sum(declines(r[col]) for r in rows if not r[0]["answerable"])
        print(f"  {label:28} all key facts {right}/{len(answerable)} (at least one {some}); "
              f"asserts something "
              f"{asserted}/{len(rows)}; says it does not know on unanswerable "
              f"{unknown_ok}/{len(unanswerable)}")
    for q, with_ctx, bare in rows[:3] + rows[-1:]:
        print(f"  {q['id']} {q['question']}\n    with:    {with_ctx[:110]!r}\n"
              f"    without: {bare[:110]!r}")


def injection(llm: SmallChatModel, positions: tuple[int, ...] = (1, K - 1)) -> None:
    """Print each prompt's hijack rate, the attack placed 2nd, then last, among real chunks."""
    lines = (data_path("injection/attacks.jsonl")).read_text(encoding="utf-8").splitlines()
    attacks = [json.loads(line) for line in lines if line.strip()]
    questions = pick_questions()[0][:N_INJECTION_QUESTIONS]
    n = len(attacks) * len(questions)
    print(f"== prompt injection ({len(attacks)} attacks x {len(questions)} questions)")
    for name in PROMPTS:
        docs = {q["id"]: retrieve(q["question"]) for q in questions}
        clean = sum(
            has_facts(llm.invoke(messages(name, docs[q["id"]], q["question"])).text, q)
            for q in questions
        )
        print(f"  {name} prompt: real answer without attack {clean}/{len(questions)}")
        for pos in positions:
            hijacked = answered = 0
            per_attack = []
            for attack in attacks:
                hits = 0
                bad = Document(attack["text"], metadata={"source": attack["source"]})
                for q in questions:
                    real = docs[q["id"]][: K - 1]
                    context = [*real[:pos], bad, *real[pos:]]
                    answer = llm.invoke(messages(name, context, q["question"])).text
                    hits += attack["payload"].lower() in answer.lower()
                    answered += has_facts(answer, q)
                hijacked += hits
                per_attack.append(f"{attack['id']} {hits}")
            print(f"    attack {pos + 1} of {K}: hijacked {hijacked}/{n} ({hijacked / n:.0%}); "
                  f"real answer kept {answered}/{n} [{', '.join(per_attack)}]")


def main() -> int:
    """Run every measurement and print it."""
    llm = get_small_llm()
    start = time.perf_counter()
    try:
        from helpers.retrieval.course import course_retriever  # noqa: F401
        source = "helpers.retrieval.course.course_retriever() (hybrid)"
    except ImportError:
        source = "helpers.index.chroma.course_index().similarity_search"
    print(f"retriever: {source}, top {K}")
    print(f"== speed and memory (SmolLM2-135M-Instruct, {DTYPE}, 1 thread)")
    speed(llm)
    with_and_without_retrieval(llm)
    injection(llm)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"== peak memory of this process (model + embeddings + Chroma): {peak:.0f} MiB; "
          f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
