"""The paper's formulas on tiny deterministic stand-in generators (lookup tables), and the
notebook's exercise checks. Gemma itself is exercised by notebook 07 (nbval)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from helpers import checks
from helpers.generator import (
    next_token_mixture,
    rag_sequence_logprob,
    rag_token_decode,
    rag_token_logprob,
    retriever_probs,
    score_answer,
    token_mixture_logprobs,
)

# p(token | passage): passage A knows "Tobiah", passage B knows "Loft".
TABLE = {
    "A": {"Tobiah": 0.9, "Loft": 0.1},
    "B": {"Tobiah": 0.2, "Loft": 0.8},
}


def table_logprobs(prompt: str, answer: str) -> list[float]:
    return [math.log(TABLE[prompt][token]) for token in answer.split()]


# A bigram stand-in over a 3-token vocabulary: p(next | passage, previous token).
VOCAB = 3
BIGRAM = {
    "A": np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]]),
    "B": np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25], [0.2, 0.2, 0.6]]),
}
START = 2  # the "previous token" before the first one


def bigram_next(prompt: str, generated) -> list[float]:
    previous = generated[-1] if generated else START
    return list(np.log(BIGRAM[prompt][previous]))


def bigram_logprobs(prompt: str, answer: str) -> list[float]:
    ids = [int(t) for t in answer.split()]
    return [bigram_next(prompt, ids[:i])[t] for i, t in enumerate(ids)]


def test_retriever_probs_is_a_softmax():
    p = retriever_probs([2.0, 1.0, 0.0])
    assert sum(p) == pytest.approx(1.0)
    assert p == sorted(p, reverse=True)
    assert retriever_probs([0.3, 0.3]) == [0.5, 0.5]
    assert p[0] / p[1] == pytest.approx(math.e)  # exp of the score difference
    assert retriever_probs([1.0, 0.0], temperature=0.1)[0] > retriever_probs([1.0, 0.0])[0]
    with pytest.raises(ValueError, match="temperature"):
        retriever_probs([1.0], temperature=0)


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
    assert scores["rag_sequence"] == pytest.approx(sequence)  # log 0.125
    assert scores["rag_token"] == pytest.approx(token)  # log 0.2475
    # the answer mixes facts from two passages: RAG-Token can combine them, so it scores higher
    assert scores["rag_token"] > scores["rag_sequence"]


def test_neither_formulation_dominates():
    # An answer that one passage explains entirely: RAG-Sequence keeps that passage's whole
    # product, RAG-Token pays the mixture weight at every token, so here Sequence > Token.
    per_passage = [[math.log(0.9), math.log(0.9)], [math.log(0.01), math.log(0.01)]]
    p_z = [0.5, 0.5]
    assert math.exp(rag_sequence_logprob(per_passage, p_z)) == pytest.approx(0.5 * 0.81 + 0.5e-4)
    assert rag_sequence_logprob(per_passage, p_z) > rag_token_logprob(per_passage, p_z)


def test_one_token_answers_score_the_same_under_both():
    per_passage = [[math.log(0.9)], [math.log(0.2)]]
    p_z = [0.3, 0.7]
    assert rag_sequence_logprob(per_passage, p_z) == pytest.approx(
        rag_token_logprob(per_passage, p_z)
    )


def test_token_marginals_sum_to_one_over_the_vocabulary():
    p_z = retriever_probs([0.7, 0.2])
    mixture = next_token_mixture(bigram_next, ["A", "B"], p_z, [0])
    assert mixture.sum() == pytest.approx(1.0)
    assert mixture[2] == pytest.approx(p_z[0] * 0.1 + p_z[1] * 0.3)


@pytest.mark.parametrize("formulation", [rag_sequence_logprob, rag_token_logprob])
def test_both_are_distributions_over_all_answers_of_a_given_length(formulation):
    p_z = retriever_probs([0.5, 0.1], temperature=0.2)
    total = 0.0
    for ids in itertools.product(range(VOCAB), repeat=3):
        answer = " ".join(map(str, ids))
        per_passage = [bigram_logprobs(p, answer) for p in ("A", "B")]
        total += math.exp(formulation(per_passage, p_z))
    assert total == pytest.approx(1.0)


def test_token_mixture_logprobs_are_the_per_token_terms():
    per_passage = [table_logprobs(p, "Tobiah Loft") for p in ("A", "B")]
    terms = token_mixture_logprobs(per_passage, [0.5, 0.5])
    assert [math.exp(t) for t in terms] == pytest.approx([0.55, 0.45])
    with pytest.raises(ValueError, match="same tokens"):
        token_mixture_logprobs([[0.0], [0.0, 0.0]], [0.5, 0.5])


def test_greedy_rag_token_decoding_by_hand():
    p_z = [0.5, 0.5]
    # step 1 (previous = START): mixture [0.25, 0.25, 0.5] → 2; step 2: same → 2, ...
    assert rag_token_decode(bigram_next, ["A", "B"], p_z, max_new_tokens=3) == [2, 2, 2]
    # passage A alone: START → 2 (0.4), then 2 → 2 (0.4)
    assert rag_token_decode(bigram_next, ["A"], [1.0], max_new_tokens=2) == [2, 2]
    # from token 0, A says 0 (0.7) and B says 1 (0.6): the weights decide
    assert int(np.argmax(next_token_mixture(bigram_next, ["A", "B"], [0.6, 0.4], [0]))) == 0
    assert int(np.argmax(next_token_mixture(bigram_next, ["A", "B"], [0.3, 0.7], [0]))) == 1
    stop_at_2 = rag_token_decode(bigram_next, ["A", "B"], p_z, 5, stop=lambda t: t == 2)
    assert stop_at_2 == []


@pytest.mark.parametrize(
    ("check", "right", "wrong"),
    [
        (checks.check_marginal, 0.34, 0.3),
        (checks.check_sequence_prob, 0.096, 0.1632),
        (checks.check_temperature, 0.05, 0.5),
    ],
)
def test_checks_answer_blank_wrong_and_right(capsys, check, right, wrong):
    check(...)
    assert capsys.readouterr().out.startswith("✏️")
    check(wrong)
    assert capsys.readouterr().out.startswith("❌")
    check("not a number")
    assert capsys.readouterr().out.startswith("❌")
    check(right)
    assert capsys.readouterr().out.startswith("✅")
