"""The paper's formulas on a tiny deterministic stand-in generator (a lookup table)."""

from __future__ import annotations

import math

import pytest

from helpers.generator import (
    rag_sequence_logprob,
    rag_token_logprob,
    retriever_probs,
    score_answer,
)

# p(token | passage): passage A knows "Tobiah", passage B knows "Loft".
TABLE = {
    "A": {"Tobiah": 0.9, "Loft": 0.1},
    "B": {"Tobiah": 0.2, "Loft": 0.8},
}


def table_logprobs(prompt: str, answer: str) -> list[float]:
    return [math.log(TABLE[prompt][token]) for token in answer.split()]


def test_retriever_probs_is_a_softmax():
    p = retriever_probs([2.0, 1.0, 0.0])
    assert sum(p) == pytest.approx(1.0)
    assert p == sorted(p, reverse=True)
    assert retriever_probs([0.3, 0.3]) == [0.5, 0.5]
    assert retriever_probs([1.0, 0.0], temperature=0.1)[0] > retriever_probs([1.0, 0.0])[0]


def test_k1_both_equal_the_single_passage_likelihood():
    scores = score_answer(table_logprobs, ["A"], [1.0], "Tobiah Loft")
    single = math.log(0.9) + math.log(0.1)
    assert scores["rag_sequence"] == pytest.approx(single)
    assert scores["rag_token"] == pytest.approx(single)


def test_hand_computed_two_passage_example():
    p_z = [0.5, 0.5]
    scores = score_answer(table_logprobs, ["A", "B"], p_z, "Tobiah Loft")
    sequence = math.log(0.5 * 0.9 * 0.1 + 0.5 * 0.2 * 0.8)  # one passage for the whole answer
    token = math.log((0.5 * 0.9 + 0.5 * 0.2) * (0.5 * 0.1 + 0.5 * 0.8))  # a passage per token
    assert scores["rag_sequence"] == pytest.approx(sequence)
    assert scores["rag_token"] == pytest.approx(token)
    # the answer mixes facts from two passages: RAG-Token can combine them, so it scores higher
    assert scores["rag_token"] > scores["rag_sequence"]


def test_token_marginals_sum_to_one_over_the_vocabulary():
    p_z = retriever_probs([0.7, 0.2])
    total = sum(
        math.exp(rag_token_logprob([[math.log(TABLE["A"][t])], [math.log(TABLE["B"][t])]], p_z))
        for t in ("Tobiah", "Loft")
    )
    assert total == pytest.approx(1.0)


def test_sequence_of_one_token_equals_token():
    per_passage = [[math.log(0.9)], [math.log(0.2)]]
    p_z = [0.3, 0.7]
    assert rag_sequence_logprob(per_passage, p_z) == pytest.approx(
        rag_token_logprob(per_passage, p_z)
    )
