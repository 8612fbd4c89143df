"""Is the course retriever really worse or better than its parts? A paired test per question.

Usage: ``python benchmarks/paired.py`` (17 s here once ``make index`` has run).

Notebook 12 compares the hybrid retriever (at :data:`helpers.retrieval.hybrid.ALPHA`, chosen on
dev) with its two parts, BM25 alone (alpha 0) and the dense index alone (alpha 1), by their rates.
With about 50 questions per script, one question moves a rate by 0.02, so a gap of a few questions
may be chance. This script asks, for each split, script and metric (hit@1, hit@5), on the *same*
questions: how many does only the hybrid find, how many only the part, and the exact two-sided
McNemar p-value (a binomial test with p = 1/2 on those discordant questions). The candidates are
fetched once per question and fused as notebooks 07 and 12 do
(``helpers.evaluation.fusion.alpha_sweep``). Prints figures, asserts nothing (not a test)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAG_COURSE_MODE", "offline")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from helpers.evaluation.metrics import hit_at_k, mcnemar_exact, relevance  # noqa: E402
from helpers.questions.course import (  # noqa: E402
    load_questions,  # noqa: E402
    split_questions,  # noqa: E402
)
from helpers.retrieval.course import course_retriever  # noqa: E402
from helpers.retrieval.hybrid import ALPHA, fuse  # noqa: E402

PARTS = {"BM25": 0.0, "dense": 1.0}


def main() -> int:
    """Print, per split and script, the hybrid against each part at hit@1 and hit@5."""
    retriever = course_retriever()
    questions = load_questions()
    print(f"hybrid at alpha {ALPHA} (chosen on dev) against its parts, same questions;")
    print("'only' = questions found by one of the two alone; p = exact McNemar, two-sided")
    for split in ("dev", "test"):
        asked = split_questions(questions, split)
        parts = [(q, *retriever.components(q["question"])) for q in asked]
        for script in sorted({p[1] for p in parts}):
            found = {}
            for name, alpha in {"hybrid": ALPHA[script], **PARTS}.items():
                found[name] = [
                    relevance([d for d, _ in fuse(dense, sparse, alpha, 10)], q["gold"])
                    for q, s, dense, sparse in parts
                    if s == script
                ]
            n = len(found["hybrid"])
            for k in (1, 5):
                hybrid = [hit_at_k(r, k) for r in found["hybrid"]]
                for name in PARTS:
                    part = [hit_at_k(r, k) for r in found[name]]
                    only_h = sum(h > p for h, p in zip(hybrid, part, strict=True))
                    only_p = sum(p > h for h, p in zip(hybrid, part, strict=True))
                    print(f"{split:4} {script} n={n:2} hit@{k}: hybrid {sum(hybrid):2.0f} vs "
                          f"{name:5} {sum(part):2.0f}; only hybrid {only_h:2}, only {name:5} "
                          f"{only_p:2}; p = {mcnemar_exact(only_h, only_p):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
