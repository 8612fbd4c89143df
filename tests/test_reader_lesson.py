"""Notebook 09 writes the offline reader's sentence scoring and its threshold rule itself (the
lesson); ``helpers.models.reader`` scores every offline answer and ``helpers.checks.generation``
checks exercise 2 with its own copy of the rule. Fed the same inputs, each pair must give the same
outputs, and a changed line in the notebook must break the agreement."""

from __future__ import annotations

import ast
import json
import math
import random
from functools import lru_cache

import pytest

from helpers.evaluation.answers import choose_threshold, reader_tally
from helpers.models import reader as standin
from helpers.settings import repo_root

NOTEBOOK = repo_root() / "notebooks" / "09_reader.ipynb"
SCORING = ("features", "weighted", "sentence_scores")
RULE = ("counts", "meets_targets", "choose_threshold")


def notebook_functions(names: tuple[str, ...], change: tuple[str, str] | None = None) -> dict:
    """Return a namespace holding the notebook's functions ``names`` (and its targets), defined
    from its code cells; ``change`` replaces one piece of their source first."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    nodes: list[ast.stmt] = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.FunctionDef) and node.name in names:
                nodes.append(node)
            elif isinstance(node, ast.Assign) and "MAX_WRONG" in ast.unparse(node.targets[0]):
                nodes.append(node)
    assert {n.name for n in nodes if isinstance(n, ast.FunctionDef)} == set(names)
    source = "\n\n".join(ast.unparse(n) for n in nodes)
    if change:
        assert change[0] in source, f"the notebook no longer holds {change[0]!r}"
        source = source.replace(change[0], change[1])
    namespace = {
        "math": math,
        "terms": standin.terms,
        "embed_texts": standin.embed_texts,
        "is_row": standin.is_row,
        "ANSWER_TYPES": standin.ANSWER_TYPES,
        "WEIGHTS": standin.WEIGHTS,
    }
    exec(compile(source, "09_reader", "exec"), namespace)
    return namespace


def test_the_notebook_writes_the_scoring_itself():
    ns = notebook_functions(SCORING)
    for name in SCORING:  # it must not hand the work back to helpers.models.reader
        code = ns[name].__code__
        assert "score_units" not in code.co_names + code.co_consts


@lru_cache(maxsize=1)
def cases() -> list[tuple[str, list]]:
    """Return every course question with the candidates of its 5 best BM25 chunks."""
    from helpers.prompts import source_label
    from helpers.questions.course import load_questions
    from helpers.retrieval.course import course_bm25

    bm25 = course_bm25()
    out = []
    for q in load_questions():
        docs = bm25.invoke(q["question"])
        units = standin.prompt_units([(source_label(d.metadata), d.page_content) for d in docs])
        out.append((q["question"], units))
    return out


def disagreements(ns: dict, weights: dict) -> int:
    """Return on how many cases the notebook's scores differ from helpers.models.reader's."""
    encoder = standin.default_embeddings()
    return sum(
        ns["sentence_scores"](units, question, encoder, weights)
        != standin.score_units(units, question, encoder, weights)
        for question, units in cases()
    )


@pytest.mark.caches  # cases(): BM25 over the course index
@pytest.mark.parametrize(
    "weights",
    [standin.WEIGHTS, {**standin.WEIGHTS, "cosine": 0.0, "type": 1.0, "previous": 0.2}],
    ids=["course weights", "other weights"],
)
def test_notebook_09_scores_as_helpers_standin(weights):
    assert len(cases()) > 200  # every question of the course, with real chunks
    assert sum(len(units) for _, units in cases()) > 3000
    assert disagreements(notebook_functions(SCORING), weights) == 0


@pytest.mark.caches
@pytest.mark.parametrize(
    "change",
    [
        ("1 + len(units) / (1 + ", "1 + len(units) / (2 + "),  # a different IDF
        ("before = None", "pass"),  # table rows inherit their neighbour's overlap
        ("1 / (1 + u.rank)", "1 / (2 + u.rank)"),  # another rank feature
    ],
    ids=["idf", "previous", "rank"],
)
def test_a_changed_notebook_line_breaks_the_agreement(change):
    assert disagreements(notebook_functions(SCORING, change), standin.WEIGHTS) > 0


def random_answers(rng: random.Random, n: int) -> list[tuple[bool, float, str]]:
    """Return ``n`` made-up (answerable, best score, verdict if answered) triples."""
    return [
        (rng.random() < 0.85, round(rng.uniform(0.2, 2.4), 4),
         rng.choices(["right", "wrong", "declined"], [4, 5, 1])[0])
        for _ in range(n)
    ]


def test_the_check_uses_the_notebooks_threshold_rule():
    ns = notebook_functions(RULE)
    rng = random.Random(0)
    for trial in range(200):
        found = random_answers(rng, rng.choice([10, 40, 125]))
        if trial % 10 == 0:  # some sets where no threshold meets the targets
            found = [(a, b, "wrong") for a, b, _ in found]
        answers = [{"answerable": a, "best": b, "verdict": v} for a, b, v in found]
        chosen = ns["choose_threshold"](answers)
        assert chosen == choose_threshold(found)
        counted = ns["counts"](answers, chosen)
        assert counted == {"threshold": chosen, **reader_tally(found, chosen)}


def test_a_changed_rule_breaks_the_agreement():
    ns = notebook_functions(RULE, ("c['right'] > best['right']", "c['right'] >= best['right']"))
    rng = random.Random(1)
    differ = 0
    for _ in range(100):
        found = random_answers(rng, 40)
        answers = [{"answerable": a, "best": b, "verdict": v} for a, b, v in found]
        differ += ns["choose_threshold"](answers) != choose_threshold(found)
    assert differ > 0
