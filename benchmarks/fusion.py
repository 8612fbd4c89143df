"""Which fusion weight α? Chosen on a dev set big enough to decide, checked on test (issue 26).

Usage: ``python benchmarks/fusion.py`` (about a minute once ``make index`` has run and the
candidates are cached; the first run embeds the wider TyDi dev passages once, a minute more).

The course retriever mixes min-max scaled scores, ``α·dense + (1 − α)·BM25``
(``helpers.retrieval.hybrid.fuse``). α was first chosen on the course's own dev questions (47
Korean); this script chooses it again on a **large dev** set per script: the course's dev questions
plus TyDi QA GoldP's dev questions outside its test half and, for Korean, 200 of TyDi's train
questions (``load_external(wider_dev=True)``; TyDi questions are searched over the benchmark's
passages plus those the added questions need, ``external_retriever(wider_dev=True)``). The rule:
**the α with the best large-dev MRR@10 (ties: better hit@5, then smaller α)**
(``helpers.evaluation.fusion.choose_alpha``).

Then, once, test: the course's test split and TyDi's test half (over its own passages, and over the
wider passage set, to show what the added distractors do), the fused retriever at the dev choice
against BM25 alone (α = 0) and the dense retriever alone (α = 1), with paired p-values (exact
McNemar for hit@1 and hit@5, a seeded sign-flip permutation test for MRR@10), and issue 26's
criterion on the course's test split and TyDi's test half: no component significantly better (p <
0.05) on any metric, and hit@5 at least BM25's. Where the dev choice fails it, the recommendation
is BM25 alone (α = 0; ``helpers.evaluation.fusion.recommend_alpha``); the recommendation is
``helpers.retrieval.hybrid.ALPHA``. Prints figures, asserts nothing (not a test;
``tests/test_pipeline`` checks that ALPHA is what
``helpers.evaluation.benchmark.fusion_recommendation`` gives)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAG_COURSE_MODE", "offline")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from helpers.evaluation.benchmark import DEV_SETS, TEST_SETS, fusion_sets, large_dev  # noqa: E402
from helpers.evaluation.fusion import (  # noqa: E402
    ALPHAS,
    choose_alpha,
    compare_fused,
    fusion_criterion,
    rank_sweep,
    recommend_alpha,
)
from helpers.retrieval.hybrid import ALPHA  # noqa: E402

SCRIPTS = {"ko": "Korean", "en": "English"}


def print_sweep(ranks: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    """Print the dev sweep per script, small dev beside large dev; return the large-dev choice."""
    parts = DEV_SETS
    sweeps = {name: rank_sweep(ranks[name]) for name in parts}
    small, large = rank_sweep(ranks["course dev"]), rank_sweep(large_dev(ranks))
    chosen_small, chosen = choose_alpha(small), choose_alpha(large)
    for script, language in SCRIPTS.items():
        n = {name: sum(r["script"] == script for r in ranks[name]) for name in parts}
        n_large = sum(n.values())
        print(f"\n{language}-script dev questions: small dev = course dev (n = {n['course dev']}); "
              f"large dev = course dev + TyDi ({' + '.join(str(v) for v in n.values())} = "
              f"{n_large})")
        print(f"{'α':>4} | {'small dev: hit@1  hit@5 MRR@10':>30} | "
              + " | ".join(f"{name[:15]:>15}" for name in parts[1:])
              + f" | {'large dev: hit@1  hit@5 MRR@10':>30}")
        print(f"{'':>4} | {'':>30} | " + " | ".join(f"{'MRR@10':>15}" for _ in parts[1:])
              + f" | {'':>30}")
        for alpha in ALPHAS:
            def row(sweep: list[dict[str, Any]], alpha: float = alpha,
                    script: str = script) -> dict[str, Any] | None:
                return next((r for r in sweep if r["script"] == script and r["alpha"] == alpha),
                            None)

            s, g = row(small), row(large)
            mid = [row(sweeps[name]) for name in parts[1:]]
            marks = ("◀ small" if alpha == chosen_small[script] else "") + (
                " ◀ large" if alpha == chosen[script] else "")
            print(f"{alpha:4.1f} | {s['hit@1']:>17.3f} {s['hit@5']:6.3f} {s['MRR']:6.3f} | "
                  + " | ".join(f"{m['MRR']:15.3f}" if m else f"{'-':>15}" for m in mid)
                  + f" | {g['hit@1']:>17.3f} {g['hit@5']:6.3f} {g['MRR']:6.3f} {marks}")
    print("\nrule: the α with the best large-dev MRR@10 (ties: better hit@5, then smaller α)")
    print(f"chosen on the small dev (the old rule's data): {chosen_small}; on the large dev: "
          f"{chosen}")
    return chosen


def print_test(ranks: dict[str, list[dict[str, Any]]], alpha: dict[str, float]) -> dict[str, Any]:
    """Print the test tables at ``alpha`` with paired p-values and the criterion per test set;
    return each set's :func:`helpers.evaluation.fusion.fusion_criterion`."""
    criteria = {}
    for name in (*TEST_SETS, "TyDi test, wider passages"):
        comparison = compare_fused(ranks[name], alpha)
        for script, table in comparison.items():
            print(f"\n{name}, {SCRIPTS[script]}-script questions (n = {table['n']}); "
                  f"fused at α = {table['alpha']}")
            print(f"  {'':14}{'hit@1':>8}{'p':>8}{'hit@5':>8}{'p':>8}{'MRR@10':>8}{'p':>8}")
            m = table["metrics"]
            print(f"  {'fused':14}" + "".join(f"{m['fused'][k]:8.3f}{'':>8}"
                                              for k in ("hit@1", "hit@5", "MRR")))
            for part, label in (("BM25", "BM25 (α=0)"), ("dense", "dense (α=1)")):
                print(f"  {label:14}" + "".join(f"{m[part][k]:8.3f}{table[part][k]['p']:8.3f}"
                                                for k in ("hit@1", "hit@5", "MRR")))
        criteria[name] = fusion_criterion(comparison)
        for script, failures in criteria[name].items():
            print(f"  criterion on {name}, {script}: "
                  + ("holds" if not failures else "FAILS: " + "; ".join(failures)))
    return criteria


def main() -> int:
    """Print the dev sweep, the choice, the test tables, the criterion and the recommendation."""
    start = time.perf_counter()
    ranks = fusion_sets()
    print(f"candidates of {sum(len(v) for v in ranks.values())} questions ready in "
          f"{time.perf_counter() - start:.1f} s (fetched once, cached: helpers.evaluation."
          "fusion_ranks)")
    chosen = print_sweep(ranks)
    print(f"\n--- test, once, at the large-dev choice {chosen} ---")
    criteria = print_test(ranks, chosen)
    recommended = recommend_alpha(chosen, [criteria[name] for name in TEST_SETS])
    for script, alpha in recommended.items():
        held = all(not criteria[name][script] for name in TEST_SETS)
        print(f"{SCRIPTS[script]}: the large-dev choice α = {chosen[script]} "
              + ("meets the criterion on both test sets: keep it" if held else
                 f"fails the criterion: recommend BM25 alone (α = {alpha})"))
    print(f"recommended {recommended}; helpers.retrieval.hybrid.ALPHA = {ALPHA}:",
          "the same" if recommended == ALPHA else "DIFFERENT")
    print(f"total {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
