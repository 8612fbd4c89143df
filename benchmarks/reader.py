"""The offline reader on the question set: right / wrong / declined per split (not a test).

Usage: ``python benchmarks/reader.py [--seed-prompt] [--minilm] [--show-failures] [--fit]``

Retrieval is the course retriever (``helpers.retrieval.course.course_retriever``, hybrid BM25 +
dense, bilingual; the MiniLM index with k=5 when that module is missing); the prompt is the
defended one (``--seed-prompt``: the seed's); the reader is
:class:`helpers.models.reader.ExtractiveChatModel` with the multilingual USE (``--minilm``: with
all-MiniLM-L6-v2, as ``helpers.models`` passes today). Answers are scored by
:func:`helpers.evaluation.answers.score_answer`: right = cites a gold source and states every key
fact. The reader's weights and threshold were chosen on dev; test is reported only.

``--fit`` shows where they come from: the features of every sentence of the retrieved context of
each **dev** question (``helpers.models.reader.score_units``), a conditional logit (softmax over the
sentences of a question) fitted to pick a sentence that holds every key fact in a gold chunk,
weights rescaled so that lexical overlap weighs 1 and rounded to 2 places (for each penalty of
:data:`L2` and each number of quoted sentences of :data:`QUOTES`, keeping the pair with the most
right answers on dev, then the fewest wrong); then the
decline threshold with the most right answers among those that meet the course's targets on dev
(and the one for a reader without sentence embeddings, whose scores lack the cosine term).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAG_COURSE_MODE", "offline")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def retriever():  # noqa: ANN201 - a LangChain retriever
    """Return the course retriever, or the MiniLM index's top 5 before helpers.pipeline exists."""
    try:
        from helpers.retrieval.course import course_retriever
    except ImportError:
        from helpers.index.chroma import course_index

        return course_index().as_retriever(search_kwargs={"k": 5}), "MiniLM index, k=5"
    return course_retriever(), "helpers.retrieval.course.course_retriever"


FEATURES = ("lexical", "section", "previous", "cosine", "rank", "type", "fragment")
#: The course's targets for the reader (issue 12): at most this share of answerable questions
#: answered wrongly, at least this share of unanswerable ones declined.
#: The L2 penalties tried when fitting the weights (the one with the best dev result is kept).
L2 = (0.01, 0.1, 1.0)
#: How many sentences an answer may quote (tried with each L2; more than two is no longer a short
#: answer, so not tried).
QUOTES = (1, 2)


def sentence_features(questions: list[dict], search: Any) -> list[dict[str, Any]]:
    """Return, per question, its answer candidates, their features and which ones hold the
    answer (every key fact, in a gold chunk) -- from the context ``search`` retrieves."""
    from helpers.evaluation.answers import gold_labels, key_facts, normalize_answer
    from helpers.models.reader import WEIGHTS, default_embeddings, score_units
    from helpers.models.reader_units import prompt_units, split_blocks
    from helpers.prompts import format_docs

    encoder = default_embeddings()
    items = []
    for q in questions:
        context = format_docs(search.invoke(q["question"]))
        blocks, question = split_blocks(f"{context}\n\nQuestion: {q['question']}")
        units = prompt_units(blocks)
        rows = score_units(units, question, encoder, WEIGHTS)
        facts = [normalize_answer(f) for f in key_facts(q)] if q["answerable"] else []
        gold = gold_labels(q)
        good = [
            bool(facts) and " ".join(u.label.split()) in gold
            and all(f in normalize_answer(u.text) for f in facts)
            for u in units
        ]
        items.append({"q": q, "units": units, "rows": rows, "good": good})
    return items


def fit_weights(items: list[dict[str, Any]], steps: int = 3000, l2: float = 0.01) -> dict:
    """Return sentence weights fitted by a conditional logit on ``items`` (dev questions only):
    gradient descent on -log P(a good sentence) with P a softmax over the question's sentences."""
    import numpy as np

    X = [np.array([[r[f] for f in FEATURES] for r in it["rows"]]) for it in items]
    mu = np.vstack(X).mean(0)
    sd = np.vstack(X).std(0) + 1e-9
    train = [((x - mu) / sd, np.array(it["good"], dtype=float))
             for x, it in zip(X, items, strict=True) if any(it["good"])]
    w = np.zeros(len(FEATURES))
    for _ in range(steps):
        grad = np.zeros_like(w)
        for z, y in train:
            s = z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            target = p * y / (p * y).sum()
            grad += z.T @ (p - target)
        w -= 0.1 * (grad / len(train) + l2 * w)
    raw = w / sd  # weights of the unscaled features (the per-question constant does not matter)
    return {f: round(float(v / raw[0]), 2) for f, v in zip(FEATURES, raw, strict=True)}


def reader_answers(
    items: list[dict[str, Any]], weights: dict, quotes: int = 1
) -> list[tuple[dict, float, str]]:
    """Return ``(question, best score, answer if not declined)`` per item under ``weights``,
    quoting the ``quotes`` best sentences (as :func:`helpers.models.reader.read` does)."""
    from helpers.models.reader import compose

    out = []
    for it in items:
        scores = [sum(w * r.get(k, 0.0) for k, w in weights.items()) for r in it["rows"]]
        if not scores:
            out.append((it["q"], float("-inf"), ""))
            continue
        order = sorted(range(len(scores)), key=lambda i: (-round(scores[i], 6), i))
        out.append((it["q"], scores[order[0]], compose(it["units"], order, it["rows"], quotes)))
    return out


def verdicts(answers: list[tuple[dict, float, str]], threshold: float) -> dict[str, int]:
    """Return right / wrong / declined counts (answerable) and unanswerable declined."""
    from helpers.evaluation.answers import reader_tally

    return reader_tally(found(answers), threshold)


def found(answers: list[tuple[dict, float, str]]) -> list[tuple[bool, float, str]]:
    """Return ``(answerable, best score, verdict if answered)`` of each reader answer: what the
    course's threshold rule (:func:`helpers.evaluation.answers.choose_threshold`) reads."""
    from helpers.evaluation.answers import score_answer

    return [(bool(q["answerable"]), score, score_answer(answer, q, similarity=False)["verdict"])
            for q, score, answer in answers]


def choose_threshold(answers: list[tuple[dict, float, str]]) -> float:
    """Return the decline threshold the course's rule chooses for these answers."""
    from helpers.evaluation.answers import choose_threshold as rule

    return rule(found(answers))


def fit(search: Any) -> dict[str, Any]:
    """Return the weights and threshold chosen on dev, and the dev/test counts they give."""
    from helpers.questions.course import load_questions

    questions = load_questions()
    items = {s: sentence_features([q for q in questions if q.get("split") == s], search)
             for s in ("dev", "test")}
    best: tuple[tuple[int, int], float, int, dict, float] | None = None
    for l2 in L2:  # the regularisation and the quotes too are chosen on dev: most right, then
        weights = fit_weights(items["dev"], l2=l2)  # fewest wrong (ties: fewer quotes)
        for quotes in QUOTES:
            answers = reader_answers(items["dev"], weights, quotes)
            threshold = choose_threshold(answers)
            c = verdicts(answers, threshold)
            if best is None or (c["right"], -c["wrong"]) > best[0]:
                best = ((c["right"], -c["wrong"]), l2, quotes, weights, threshold)
    assert best is not None
    _, l2, quotes, weights, threshold = best
    lexical = choose_threshold(reader_answers(items["dev"], {**weights, "cosine": 0.0}, quotes))
    return {"l2": l2, "quotes": quotes, "weights": weights, "min_score": threshold,
            "min_score_lexical": lexical,
            **{s: verdicts(reader_answers(items[s], weights, quotes), threshold) for s in items}}


def main() -> int:
    """Print the reader table for dev and test (``--fit``: refit the reader on dev first)."""
    if "--fit" in sys.argv:
        search, name = retriever()
        result = fit(search)
        print(f"retriever: {name}; fitted on dev (L2 penalty {result['l2']})")
        print("WEIGHTS =", result["weights"])
        print("QUOTES =", result["quotes"])
        print("MIN_SCORE =", result["min_score"])
        print("MIN_SCORE_LEXICAL =", result["min_score_lexical"], "(without sentence embeddings)")
        for split in ("dev", "test"):
            c = result[split]
            print(f"{split:5} right {c['right']}/{c['answerable']}, wrong {c['wrong']}, declined "
                  f"{c['declined']}; unanswerable declined {c['unanswerable_declined']}/"
                  f"{c['unanswerable']}")
        return 0

    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnablePassthrough

    from helpers.evaluation.answers import evaluate_reader
    from helpers.models.reader import ExtractiveChatModel
    from helpers.prompts import DEFENDED_PROMPT, SEED_PROMPT, format_docs
    from helpers.questions.course import load_questions

    template = SEED_PROMPT if "--seed-prompt" in sys.argv else DEFENDED_PROMPT
    embeddings = None
    if "--minilm" in sys.argv:
        from helpers.embeddings.minilm import get_embeddings

        embeddings = get_embeddings()
    search, name = retriever()
    chain = (
        {"context": search | format_docs, "question": RunnablePassthrough()}
        | ChatPromptTemplate.from_template(template)
        | ExtractiveChatModel(embeddings=embeddings)
        | StrOutputParser()
    )
    questions = load_questions()
    chain.invoke(questions[0]["question"])  # load the models before timing
    print(f"retriever: {name}; prompt: {'seed' if template == SEED_PROMPT else 'defended'}; "
          f"reader encoder: {'MiniLM' if embeddings else 'multilingual USE'}")
    print(f"{'split':6} {'answerable':>10} {'right':>7} {'wrong':>7} {'declined':>9} "
          f"{'unanswerable':>12} {'declined':>9} {'s/answer':>9}")
    for split in ("dev", "test"):
        result = evaluate_reader(chain, [q for q in questions if q.get("split") == split])
        print(f"{split:6} {result['answerable']:>10} {result['right_rate']:>7.1%} "
              f"{result['wrong_rate']:>7.1%} {result['declined_rate']:>9.1%} "
              f"{result['unanswerable']:>12} {result['unanswerable_declined_rate']:>9.1%} "
              f"{result['seconds_per_answer']:>9.3f}")
        if "--show-failures" in sys.argv:
            for row in result["rows"]:
                bad = row["verdict"] != ("right" if row["answerable"] else "declined")
                if bad:
                    print(f"    {row['id']:8} {row['verdict']:8} {row['question'][:60]}")
                    print(f"             -> {row['answer'].splitlines()[0][:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
