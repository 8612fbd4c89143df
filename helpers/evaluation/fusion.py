"""The fusion weight α chosen on dev and checked on test (notebook 07, ``benchmarks/fusion.py``):
ranks of the first relevant chunk at every α, cached; sweeps, the choice and the test criterion.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from helpers.evaluation.metrics import (
    mean,
)

#: The fusion weights a sweep tries: 0 (BM25 alone) to 1 (the dense retriever alone).
ALPHAS = tuple(round(0.1 * i, 1) for i in range(11))

#: How deep the fused lists are ranked (MRR@10; hit@1 and hit@5 read the top of them).
DEPTH = 10


def _fusion_ranks(
    retriever: Any, questions: list[dict[str, Any]], alphas: Iterable[float]
) -> list[dict[str, Any]]:
    from helpers.evaluation.metrics import is_relevant
    from helpers.retrieval.hybrid import doc_key, fuse

    alphas = list(alphas)
    out = []
    for q in questions:
        script, dense, sparse = retriever.components(q["question"])
        relevant: dict[str, bool] = {}  # each candidate is judged once, not once per alpha
        ranks = []
        for alpha in alphas:
            docs = [d for d, _ in fuse(dense, sparse, alpha, DEPTH)]
            rel = [relevant.setdefault(doc_key(d), is_relevant(d, q["gold"])) for d in docs]
            ranks.append(next((i + 1 for i, r in enumerate(rel) if r), 0))
        out.append({"id": q["id"], "script": script, "ranks": ranks})
    return out


def _store_embedder(store: Any) -> str:
    """Return what a dense store embeds queries with (its class and model): a store given another
    embedder than the course routes to that script must not share the course's cache entry."""
    embeddings = getattr(store, "embeddings", None)
    model = (getattr(embeddings, "embedder", None) or getattr(embeddings, "model_name", None)
             or type(embeddings).__name__)
    return f"{type(store).__name__}|{type(embeddings).__name__}|{model}"


def retriever_inputs(retriever: Any) -> dict[str, Any]:
    """Return what a hybrid retriever's candidates depend on (a cache key): its chunks, its dense
    stores and embedders, how many candidates it fetches, and the code that fuses and scores."""
    import hashlib
    import inspect

    from helpers.cache import file_digest
    from helpers.documents import hangul
    from helpers.evaluation import metrics
    from helpers.index.chroma import embedder_id
    from helpers.retrieval import bm25, hybrid

    chunks = hashlib.sha256(
        "\0".join(str(d.metadata.get("chunk_id")) + d.page_content for d in retriever.bm25.docs)
        .encode()
    ).hexdigest()
    return {
        "chunks": chunks,
        "dense": {s: f"{_store_embedder(store)}|{embedder_id(hybrid.DENSE[s])}"
                  for s, store in sorted(retriever.stores.items())},
        "fetch_k": retriever.fetch_k,
        "code": [file_digest(m.__file__) for m in (bm25, hangul, metrics)]
        + [hashlib.sha256(inspect.getsource(f).encode()).hexdigest()
           for f in (hybrid.fuse, hybrid.unit_scores, _fusion_ranks)],
    }


def fusion_ranks(
    retriever: Any, questions: Iterable[dict[str, Any]], alphas: Iterable[float] = ALPHAS
) -> list[dict[str, Any]]:
    """Return, per answerable question, its script and the rank (1-10; 0: not in the top 10) of
    its first relevant chunk when the retriever's candidates are fused at each of ``alphas``.

    The candidates are fetched once per question; the result is cached (:mod:`helpers.cache`),
    keyed on the questions, the alphas and :func:`retriever_inputs`.
    """
    from helpers.cache import cached_json

    asked = [q for q in questions if q["answerable"]]
    alphas = [float(a) for a in alphas]
    inputs = {
        "questions": [[q["id"], q["question"], q["gold"]] for q in asked],
        "alphas": alphas,
        "depth": DEPTH,
        "retriever": retriever_inputs(retriever),
    }
    return cached_json("fusion-ranks", inputs, lambda: _fusion_ranks(retriever, asked, alphas))


def rank_metrics(ranks: Iterable[int], k: int = 5) -> dict[str, float]:
    """Return hit@1, hit@k and MRR@10 of first-relevant ranks (0: none), rounded to 3 places."""
    ranks = list(ranks)
    return {
        "hit@1": round(mean(float(r == 1) for r in ranks), 3),
        f"hit@{k}": round(mean(float(0 < r <= k) for r in ranks), 3),
        "MRR": round(mean(1.0 / r if r else 0.0 for r in ranks), 3),
    }


def rank_sweep(
    rows: list[dict[str, Any]], alphas: Iterable[float] = ALPHAS, k: int = 5
) -> list[dict[str, Any]]:
    """Return :func:`alpha_sweep`'s table (per script and alpha: n, hit@1, hit@k, MRR@10) from
    :func:`fusion_ranks` rows (pool rows of several question sets by concatenating them)."""
    alphas = list(alphas)
    out = []
    for script in sorted({r["script"] for r in rows}):
        mine = [r for r in rows if r["script"] == script]
        for i, alpha in enumerate(alphas):
            out.append({"script": script, "alpha": alpha, "n": len(mine),
                        **rank_metrics((r["ranks"][i] for r in mine), k)})
    return out


def alpha_sweep(
    retriever: Any, questions: list[dict[str, Any]], alphas: Iterable[float], k: int = 5
) -> list[dict[str, Any]]:
    """Return hit@1/hit@k/MRR of the hybrid retriever for each ``alpha``, per question script.

    The dense and BM25 candidates are fetched once per question, then fused for every alpha
    (``helpers.retrieval.hybrid.fuse``): alpha 0 is BM25 alone, alpha 1 the dense retriever alone.
    """
    alphas = list(alphas)
    rows = _fusion_ranks(retriever, [q for q in questions if q["answerable"]], alphas)
    return rank_sweep(rows, alphas, k)


def choose_alpha(sweep: list[dict[str, Any]]) -> dict[str, float]:
    """Return, per script, the alpha with the best MRR (ties: better hit@5, then smaller alpha)."""
    best: dict[str, dict[str, Any]] = {}
    for row in sweep:
        key = (row["MRR"], row["hit@5"], -row["alpha"])
        current = best.get(row["script"])
        if current is None or key > (current["MRR"], current["hit@5"], -current["alpha"]):
            best[row["script"]] = row
    return {script: row["alpha"] for script, row in sorted(best.items())}


def compare_fused(
    rows: list[dict[str, Any]], alpha: dict[str, float], alphas: Iterable[float] = ALPHAS,
    k: int = 5, seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Return, per script, the fused retriever at ``alpha[script]`` against BM25 alone (alpha 0)
    and the dense one alone (alpha 1) on the same questions: each metric of the three, and per
    component and metric the paired p (exact McNemar for hit@1/hit@k, a seeded sign-flip
    permutation test for MRR@10) and which side is ahead."""
    from helpers.evaluation.metrics import mcnemar_exact, paired_permutation_p

    where = {round(a, 6): i for i, a in enumerate(alphas)}
    out: dict[str, dict[str, Any]] = {}
    for script in sorted({r["script"] for r in rows}):
        mine = [r for r in rows if r["script"] == script]
        ranks = {name: [r["ranks"][where[round(a, 6)]] for r in mine]
                 for name, a in (("fused", alpha[script]), ("BM25", 0.0), ("dense", 1.0))}
        table: dict[str, Any] = {"n": len(mine), "alpha": alpha[script],
                                 "metrics": {n: rank_metrics(v, k) for n, v in ranks.items()}}
        for part in ("BM25", "dense"):
            tests = {}
            pairs = list(zip(ranks["fused"], ranks[part], strict=True))
            for metric, hit in (("hit@1", lambda r: r == 1), (f"hit@{k}", lambda r: 0 < r <= k)):
                only_f = sum(hit(f) and not hit(c) for f, c in pairs)
                only_c = sum(hit(c) and not hit(f) for f, c in pairs)
                tests[metric] = {"only fused": only_f, f"only {part}": only_c,
                                 "diff": (only_f - only_c) / len(mine),
                                 "p": mcnemar_exact(only_f, only_c)}
            rr = {n: [1.0 / r if r else 0.0 for r in v] for n, v in ranks.items()}
            tests["MRR"] = {"diff": mean(rr["fused"]) - mean(rr[part]),
                            "p": paired_permutation_p(rr["fused"], rr[part], seed=seed)}
            table[part] = tests
        out[script] = table
    return out


def fusion_criterion(comparison: dict[str, dict[str, Any]], k: int = 5) -> dict[str, list[str]]:
    """Return, per script, why the fused retriever fails issue 26's criterion on one test set
    (an empty list: it holds): a component significantly better (p < 0.05) on some metric, or a
    hit@k below BM25 alone's."""
    out: dict[str, list[str]] = {}
    for script, table in comparison.items():
        failures = []
        for part in ("BM25", "dense"):
            for metric, test in table[part].items():
                if test["diff"] < 0 and test["p"] < 0.05:
                    failures.append(f"{part} alone better at {metric} (p = {test['p']:.3f})")
        m = table["metrics"]
        if m["fused"][f"hit@{k}"] < m["BM25"][f"hit@{k}"]:
            failures.append(f"hit@{k} {m['fused'][f'hit@{k}']:.3f} below BM25's "
                            f"{m['BM25'][f'hit@{k}']:.3f}")
        out[script] = failures
    return out


def recommend_alpha(
    dev_choice: dict[str, float], criteria: Iterable[dict[str, list[str]]]
) -> dict[str, float]:
    """Return, per script, the alpha chosen on dev where :func:`fusion_criterion` holds on every
    test set in ``criteria``, else 0.0 (BM25 alone)."""
    criteria = list(criteria)
    return {script: alpha if all(not c.get(script) for c in criteria) else 0.0
            for script, alpha in sorted(dev_choice.items())}


def side_by_side(
    sweeps: dict[str, list[dict[str, Any]]], script: str,
    metrics: tuple[str, ...] = ("hit@5", "MRR"),
) -> str:
    """Return a text table of several :func:`rank_sweep` tables of one script, one row per
    alpha, one column group per sweep (e.g. the small and the large dev set)."""
    by = {name: {r["alpha"]: r for r in rows if r["script"] == script}
          for name, rows in sweeps.items()}
    width = 8 * len(metrics)
    heads = [f"{name} (n = {next(iter(rows.values()))['n']})" for name, rows in by.items()]
    lines = ["   α " + "".join(f" | {head:>{width}}" for head in heads),
             "     " + "".join(" | " + "".join(f"{m:>8}" for m in metrics) for _ in by)]
    for alpha in next(iter(by.values())):
        lines.append(f"{alpha:4.1f} " + "".join(
            " | " + "".join(f"{rows[alpha][m]:8.3f}" for m in metrics) for rows in by.values()))
    return "\n".join(lines)
