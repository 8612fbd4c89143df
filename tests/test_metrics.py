"""The lesson's metrics agree with trec_eval (through ir-measures) on random rankings."""

from __future__ import annotations

import random

import ir_measures
import pytest
from ir_measures import RR, Success, nDCG

from helpers import metrics

K = 5


def random_rankings(n: int = 40, seed: int = 0) -> list[list[bool]]:
    """Return ``n`` rankings of length K with random relevance flags (some with none)."""
    rng = random.Random(seed)
    return [[rng.random() < 0.25 for _ in range(K)] for _ in range(n)]


def trec_eval(rankings: list[list[bool]]) -> dict:
    """Return trec_eval's Success@K, RR@K and nDCG@K for the rankings (qrels = retrieved)."""
    run, qrels = [], []
    for qi, rel in enumerate(rankings):
        for rank, r in enumerate(rel):
            run.append(ir_measures.ScoredDoc(f"q{qi}", f"d{rank}", float(K - rank)))
            qrels.append(ir_measures.Qrel(f"q{qi}", f"d{rank}", int(r)))
    return ir_measures.calc_aggregate([Success @ K, RR @ K, nDCG @ K], qrels, run)


def test_metrics_agree_with_trec_eval():
    rankings = random_rankings()
    ours = {
        "hit": metrics.mean(metrics.hit_at_k(r, K) for r in rankings),
        "mrr": metrics.mean(metrics.reciprocal_rank(r) for r in rankings),
        "ndcg": metrics.mean(metrics.ndcg_at_k(r, K) for r in rankings),
    }
    theirs = trec_eval(rankings)
    assert any(not any(r) for r in rankings) and any(all(r[:2]) for r in rankings)
    assert ours["hit"] == pytest.approx(theirs[Success @ K], abs=1e-9)
    assert ours["mrr"] == pytest.approx(theirs[RR @ K], abs=1e-9)
    assert ours["ndcg"] == pytest.approx(theirs[nDCG @ K], abs=1e-9)


def test_ndcg_known_values():
    assert metrics.ndcg_at_k([True, False, False], 3) == 1.0
    assert metrics.ndcg_at_k([False, True], 2) == pytest.approx(1 / 1.584962500721156)
    assert metrics.ndcg_at_k([False, False], 2) == 0.0
    assert metrics.mean([]) == 0.0
