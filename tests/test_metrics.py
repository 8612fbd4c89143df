"""The lesson's metrics agree with trec_eval (through ir-measures) on random rankings."""

from __future__ import annotations

import random

import ir_measures
import pytest
from ir_measures import RR, Success, nDCG

from helpers.evaluation import metrics

K = 5


def random_rankings(n: int = 80, seed: int = 0) -> list[tuple[list[bool], int]]:
    """Return ``n`` rankings of length K with random relevance flags (some with none), each with
    how many relevant documents the corpus holds: those retrieved plus 0-2 never retrieved."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        rel = [rng.random() < 0.25 for _ in range(K)]
        out.append((rel, sum(rel) + rng.choice([0, 0, 1, 2])))
    return out


def trec_eval(rankings: list[tuple[list[bool], int]]) -> dict:
    """Return trec_eval's Success@K, RR@K and nDCG@K; the judgements cover the whole corpus
    (relevant documents that were never retrieved included), not only the retrieved list."""
    run, qrels = [], []
    for qi, (rel, n_relevant) in enumerate(rankings):
        for rank, r in enumerate(rel):
            run.append(ir_measures.ScoredDoc(f"q{qi}", f"d{rank}", float(K - rank)))
            qrels.append(ir_measures.Qrel(f"q{qi}", f"d{rank}", int(r)))
        for extra in range(n_relevant - sum(rel)):
            qrels.append(ir_measures.Qrel(f"q{qi}", f"unretrieved{extra}", 1))
        qrels.append(ir_measures.Qrel(f"q{qi}", "judged-irrelevant", 0))  # no empty qrels
    return ir_measures.calc_aggregate([Success @ K, RR @ K, nDCG @ K], qrels, run)


def test_metrics_agree_with_trec_eval():
    rankings = random_rankings()
    assert any(n > sum(rel) for rel, n in rankings)  # the check can tell a wrong ideal DCG
    ours = {
        "hit": metrics.mean(metrics.hit_at_k(r, K) for r, _ in rankings),
        "mrr": metrics.mean(metrics.reciprocal_rank(r) for r, _ in rankings),
        "ndcg": metrics.mean(metrics.ndcg_at_k(r, K, n) for r, n in rankings),
    }
    theirs = trec_eval(rankings)
    assert any(not any(r) for r, _ in rankings) and any(all(r[:2]) for r, _ in rankings)
    assert ours["hit"] == pytest.approx(theirs[Success @ K], abs=1e-9)
    assert ours["mrr"] == pytest.approx(theirs[RR @ K], abs=1e-9)
    assert ours["ndcg"] == pytest.approx(theirs[nDCG @ K], abs=1e-9)


def test_ndcg_known_values():
    assert metrics.ndcg_at_k([True, False, False], 3, n_relevant=1) == 1.0
    assert metrics.ndcg_at_k([False, True], 2, n_relevant=1) == pytest.approx(1 / 1.584962500721156)
    assert metrics.ndcg_at_k([False, False], 2, n_relevant=1) == 0.0
    # two relevant chunks in the corpus, one found first: not a perfect ranking
    assert metrics.ndcg_at_k([True, False, False, False, False], 5, n_relevant=2) < 1.0
    one_of_two = metrics.ndcg_at_k([True, False, False, False, False], 5, n_relevant=2)
    assert metrics.ndcg_at_k([True, False, False, False, True], 5, n_relevant=2) > one_of_two
    assert metrics.mean([]) == 0.0


def test_mcnemar_exact_against_hand_computed_values():
    # 8 discordant questions split 7 : 1 -> 2 * (C(8,0) + C(8,1)) / 2^8 = 2 * 9 / 256
    assert metrics.mcnemar_exact(7, 1) == pytest.approx(18 / 256)
    assert metrics.mcnemar_exact(1, 7) == pytest.approx(18 / 256)
    assert metrics.mcnemar_exact(5, 0) == pytest.approx(2 / 32)
    assert metrics.mcnemar_exact(3, 3) == 1.0 and metrics.mcnemar_exact(0, 0) == 1.0
    from scipy.stats import binomtest

    for n in range(1, 30):
        for a in range(n + 1):
            assert metrics.mcnemar_exact(a, n - a) == pytest.approx(binomtest(a, n, 0.5).pvalue)


def test_permutation_test_known_cases():
    # five questions, all five better for a: 2 of the 2^5 sign patterns are as extreme
    assert metrics.paired_permutation_p([1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0]) == 2 / 32
    # differences 0.5, 0.5, -1 sum to 0: every pattern is as extreme
    assert metrics.paired_permutation_p([1.0, 1.0, 0.0], [0.5, 0.5, 1.0]) == 1.0
    # differences 1, 0.5, 0.25: |sum| 1.75 reached only by +++ and ---
    assert metrics.paired_permutation_p([1, 0.5, 0.25], [0, 0, 0]) == 2 / 8
    assert metrics.paired_permutation_p([0.3, 0.2], [0.3, 0.2]) == 1.0


def test_permutation_test_on_hits_is_mcnemar_and_seeded():
    rng = random.Random(3)
    for n in (6, 12, 40, 120):
        a = [rng.random() < 0.7 for _ in range(n)]
        b = [rng.random() < 0.5 for _ in range(n)]
        only_a = sum(x and not y for x, y in zip(a, b, strict=True))
        only_b = sum(y and not x for x, y in zip(a, b, strict=True))
        exact = metrics.mcnemar_exact(only_a, only_b)
        p = metrics.paired_permutation_p(a, b, rounds=20_000, seed=1)
        # exact up to 16 discordant pairs, a seeded estimate beyond
        assert p == pytest.approx(exact, abs=0 if only_a + only_b <= 16 else 0.01), n
        assert p == metrics.paired_permutation_p(a, b, rounds=20_000, seed=1)
