"""Exercise self-checks: blank → a 'not answered' line, wrong → a hint, right → ✅; never raise."""

from __future__ import annotations

import pytest

from helpers import checks, corpus


def glued_pages() -> list[int]:
    from pypdf import PdfReader

    reader = PdfReader(corpus.data_path("debian-faq/debian-faq.en.pdf"))
    return [i for i, p in enumerate(reader.pages) if corpus.glued_share(p.extract_text()) > 0.1]


@pytest.mark.parametrize(
    ("check", "right", "wrong"),
    [
        (checks.check_safe_size, lambda: 150, lambda: 200),
        (checks.check_glued_pages, glued_pages, lambda: []),
        (
            checks.check_running_header,
            lambda: "TIDEWELL MAKERSPACE - MEMBER HANDBOOK 2026",
            lambda: "Tidewell",
        ),
    ],
)
def test_checks_answer_blank_wrong_and_right(capsys, check, right, wrong):
    check(...)
    assert capsys.readouterr().out.startswith("✏️")
    check(wrong())
    assert capsys.readouterr().out.startswith("❌")
    check(right())
    assert capsys.readouterr().out.startswith("✅")


def test_teaser_change_blank_wrong_and_right(capsys, monkeypatch):
    from types import SimpleNamespace

    import helpers.pipeline as pipeline

    def retriever(search_type, **kwargs):
        return SimpleNamespace(search_type=search_type, search_kwargs=kwargs, invoke=None)

    monkeypatch.setattr(checks, "_teaser_sample", lambda: [{}] * 22)
    monkeypatch.setattr(checks, "_found", lambda r: 19 if r.search_type == "similarity" else 14)
    monkeypatch.setattr(pipeline, "seed_retriever", lambda: retriever("mmr", k=5, fetch_k=50))
    similarity = retriever("similarity", k=5)
    checks.check_teaser_change(..., ...)
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_teaser_change(similarity, ...)
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_teaser_change(retriever("mmr", k=5, fetch_k=50), 14)
    assert "the teaser's own setting" in capsys.readouterr().out
    checks.check_teaser_change(similarity, 14)  # the teaser's count, not the new setting's
    assert capsys.readouterr().out.startswith("❌ Not what this retriever finds")
    checks.check_teaser_change(similarity, "19")
    assert capsys.readouterr().out.startswith("❌ Expected a whole number")
    checks.check_teaser_change(similarity, 19)
    assert capsys.readouterr().out == (
        "✅ Right: 19 of 22 with your setting, 14 with the teaser's MMR (k=5, fetch_k=50).\n"
    )


def test_wrong_type_is_explained(capsys):
    checks.check_glued_pages("8")
    assert "list of page numbers" in capsys.readouterr().out


def dev_hit_at_5(docs, source: str) -> float:
    """hit@5 of BM25 over 500/50 chunks of ``docs``, on the dev questions about ``source``."""
    from helpers import metrics
    from helpers.bm25 import BM25Retriever

    retriever = BM25Retriever.from_documents(corpus.split_documents(docs), k=5)
    questions = [
        q for q in corpus.load_questions()
        if q["split"] == "dev" and q["gold"] and q["gold"]["source"] == source
    ]
    marks = [metrics.relevance(retriever.invoke(q["question"]), q["gold"]) for q in questions]
    return sum(metrics.hit_at_k(m, 5) for m in marks) / len(marks)


def test_engine_cost_blank_wrong_and_right(capsys):
    faq = "debian-faq/debian-faq.en.pdf"
    right = {e: dev_hit_at_5(corpus.load_pdf(faq, engine=e), faq) for e in ("pdfium", "pypdf")}
    assert right["pdfium"] > right["pypdf"]  # the glued text costs retrieval
    checks.check_engine_cost({"pdfium": ..., "pypdf": ...})
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_engine_cost({"pdfium": right["pypdf"], "pypdf": right["pdfium"]})
    assert "swapped" in capsys.readouterr().out
    checks.check_engine_cost({"pdfium": right["pdfium"], "pypdf": right["pdfium"]})
    assert capsys.readouterr().out.startswith("❌")
    checks.check_engine_cost({"pdfium": 18, "pypdf": 2})  # counts, not shares
    assert "share" in capsys.readouterr().out
    checks.check_engine_cost(right)
    assert capsys.readouterr().out.startswith("✅")


def test_contents_cost_blank_wrong_and_right(capsys):
    ko = "debian-faq/debian-faq.ko.txt"
    kept = dev_hit_at_5(corpus.load_text(ko, clean=False), ko)
    dropped = dev_hit_at_5(corpus.load_text(ko), ko)
    assert dropped > kept  # the table of contents costs retrieval
    checks.check_contents_cost(...)
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_contents_cost(dropped)
    assert "clean=False" in capsys.readouterr().out
    checks.check_contents_cost("0.8")
    assert capsys.readouterr().out.startswith("❌")
    checks.check_contents_cost(kept)
    assert capsys.readouterr().out.startswith("✅")



def test_low_threshold_blank_wrong_and_right(capsys, monkeypatch):
    dev = [q["id"] for q in corpus.load_questions() if q.get("split") == "dev"]
    rows = [{"id": i} for i in dev]
    expected = {"right": 3, "wrong": 1, "declined": 9, "unanswerable_declined": 2,
                "answerable": 13, "unanswerable": 4, "rows": rows}
    monkeypatch.setattr(checks, "_reader_on_dev", lambda m: expected if m == 0.9 else {})
    checks.check_low_threshold(...)
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_low_threshold({"right": 3})
    assert "evaluate_reader" in capsys.readouterr().out
    checks.check_low_threshold({**expected, "rows": rows[:-1]})
    assert "dev questions" in capsys.readouterr().out
    checks.check_low_threshold({**expected, "right": 4})
    assert capsys.readouterr().out.startswith("❌")
    checks.check_low_threshold(dict(expected))
    out = capsys.readouterr().out
    assert out.startswith("✅ Right: declining below 0.9, the reader answers 3 of 13")


def test_dense_only_blank_wrong_and_right(capsys, monkeypatch):
    import helpers.evaluation as evaluation
    import helpers.pipeline as pipeline

    class Fake:
        def __init__(self, alpha=None):
            self.alpha = alpha

        def invoke(self, question):
            return self.alpha  # evaluate() gets the alpha back; the fake evaluate reads it

    monkeypatch.setattr(pipeline, "course_retriever", lambda alpha=None: Fake(alpha))
    monkeypatch.setattr(
        evaluation, "evaluate", lambda retrieve, qs: {"hit@5": 0.8 if retrieve("q") else 0.9}
    )
    checks.check_dense_only(...)
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_dense_only(0.9)  # the hybrid's value, not the dense-only one
    assert capsys.readouterr().out.startswith("❌")
    checks.check_dense_only(0.8)
    out = capsys.readouterr().out
    assert out.startswith("✅ Right: dense only finds a gold chunk in the top 5 for 0.800")
    assert "the hybrid for 0.900" in out


def dev_mrr_from_top5_of_50() -> tuple[dict[str, float], dict[str, float]]:
    """Return the dev MRR per script at ALPHA from the top 5 and from all 50 candidates of each
    component — notebook 08's own way to the answer, independent of check_fetch5's."""
    from helpers.evaluation import split_questions, summarize
    from helpers.metrics import relevance
    from helpers.pipeline import ALPHA, course_retriever, fuse

    hybrid = course_retriever()
    rows: dict[int, dict[str, list]] = {5: {}, 50: {}}
    for q in split_questions(corpus.load_questions(), "dev"):
        script, dense, sparse = hybrid.components(q["question"])
        for n in rows:
            fused = fuse(dense[:n], sparse[:n], ALPHA[script], 10)
            rows[n].setdefault(script, []).append(relevance([d for d, _ in fused], q["gold"]))
    five, fifty = ({s: summarize(r)["MRR"] for s, r in rows[n].items()} for n in (5, 50))
    return five, fifty


def test_fetch5_blank_wrong_and_right(capsys, monkeypatch):
    from functools import lru_cache

    monkeypatch.setattr(checks, "_dev_mrr_at_fetch_k", lru_cache(checks._dev_mrr_at_fetch_k))
    five, fifty = dev_mrr_from_top5_of_50()
    checks.check_fetch5(...)
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_fetch5([five["en"], five["ko"]])
    assert capsys.readouterr().out == (
        '❌ Expected a dict with the keys "en" and "ko" (one MRR per script).\n'
    )
    checks.check_fetch5(fifty)  # forgot model_copy(update={"fetch_k": 5})
    assert capsys.readouterr().out == (
        "❌ Not the dev MRR of fetch_k=5 at the chosen α: use dev (not test), ALPHA, and the "
        "'MRR' of alpha_sweep's rows.\n"
    )
    checks.check_fetch5(five)
    change = {s: round(five[s] - fifty[s], 3) for s in five}
    assert capsys.readouterr().out == (
        f"✅ Right. MRR change against fetch_k=50: {change} — a candidate missing from one list "
        "scores 0 there.\n"
    )


def rag_token_greedy(prompts, p_z, next_logprobs, tokenizer, max_new_tokens=12):
    """Notebook 07's solution: greedy decoding over the passages' mixture, in log space."""
    import math

    import torch

    generated, shares = [], []
    for _ in range(max_new_tokens):
        joint = torch.stack([math.log(pz) + next_logprobs(p, generated)
                             for p, pz in zip(prompts, p_z, strict=True)])
        token = int(torch.logsumexp(joint, dim=0).argmax())
        if token == tokenizer.eos_token_id or "\n" in tokenizer.decode([token]):
            break
        generated.append(token)
        shares.append(joint[:, token].tolist())
    return generated, shares


def greedy_variant(pick="mixture", stop=("eos", "newline"), feed=True, weights="log", budget=True):
    """A RAG-Token decoder with one of the mistakes learners make."""
    import math

    import torch

    def decode(prompts, p_z, next_logprobs, tokenizer, max_new_tokens=12):
        generated, shares = [], []
        while len(generated) < max_new_tokens or not budget:
            lps = torch.stack([next_logprobs(p, generated if feed else []) for p in prompts])
            w = torch.tensor([math.log(pz) for pz in p_z])[:, None]
            joint = lps + w if weights == "log" else lps * torch.tensor(p_z)[:, None]
            if weights == "none":
                joint = lps + math.log(1 / len(p_z))
            scores = {"mixture": torch.logsumexp(joint, dim=0), "max": joint.max(dim=0).values,
                      "product": joint.sum(dim=0)}[pick]
            token = int(scores.argmax())
            if ("eos" in stop and token == tokenizer.eos_token_id) or (
                    "newline" in stop and "\n" in tokenizer.decode([token])):
                break
            generated.append(token)
            shares.append((lps + w)[:, token].tolist())
        return generated, shares

    return decode


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (greedy_variant(pick="max"), "surest of"),
        (greedy_variant(pick="product"), "not their log-probabilities"),
        (greedy_variant(weights="none"), "weight each passage"),
        (greedy_variant(weights="times"), "weight each passage"),
        (greedy_variant(stop=()), "eos_token_id"),
        (greedy_variant(stop=("eos",)), "line break"),
        (greedy_variant(feed=False), "tokens decoded so far"),
        (lambda *args, **kwargs: ([3, 5], [[0.0, 0.0], [0.0, 0.0]]), "never calls"),
        (greedy_variant(budget=False), "max_new_tokens"),
        (lambda prompts, p_z: ([], []), "raised TypeError"),
        (lambda *args, **kwargs: 42, "Return two lists"),
    ],
)
def test_rag_token_greedy_wrong_decoders_get_a_hint(capsys, wrong, hint):
    checks.check_rag_token_greedy(wrong)
    out = capsys.readouterr().out
    assert out.startswith("❌") and hint in out, out


def test_rag_token_greedy_blank_and_right(capsys):
    checks.check_rag_token_greedy(...)
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_rag_token_greedy(lambda *args, **kwargs: None)  # a stub whose body is `...`
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_rag_token_greedy(rag_token_greedy)
    assert capsys.readouterr().out.startswith("✅")


def test_rag_token_greedy_wrong_shares(capsys):
    def probabilities_not_logs(*args, **kwargs):
        generated, shares = rag_token_greedy(*args, **kwargs)
        return generated, [[2.718281828 ** v for v in row] for row in shares]

    checks.check_rag_token_greedy(probabilities_not_logs)
    assert "the shares not" in capsys.readouterr().out


# --- Notebook 07: keyword search and fusion ---------------------------------------------------


def fake_bm25_scores(b: float, split: str = "dev") -> dict:
    """Made-up per-language scores of BM25 alone by (b, split), as check_no_length_norm reads
    them from ``_bm25_scores_by_lang``."""
    table = {
        (0.0, "dev"): {"en": (0.703, 0.559), "ko": (0.745, 0.598)},
        (0.75, "dev"): {"en": (0.750, 0.580), "ko": (0.787, 0.627)},
        (0.0, "test"): {"en": (0.800, 0.600), "ko": (0.850, 0.700)},
    }
    n = {"en": 64, "ko": 47}
    return {lang: {"hit@5": h, "MRR": m, "nDCG@5": 0.5, "n": n[lang]}
            for lang, (h, m) in table[b, split].items()}


def test_no_length_norm_blank_wrong_and_right(capsys, monkeypatch):
    monkeypatch.setattr(checks, "_bm25_scores_by_lang", fake_bm25_scores)
    checks.check_no_length_norm(...)
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_no_length_norm({"en": 0.703, "ko": 0.745})
    assert 'Expected {"en": evaluate(...)' in capsys.readouterr().out
    checks.check_no_length_norm(fake_bm25_scores(0.75))
    assert "usual b = 0.75" in capsys.readouterr().out
    checks.check_no_length_norm(fake_bm25_scores(0.0, "test"))
    assert "test questions" in capsys.readouterr().out
    wrong = fake_bm25_scores(0.0)
    wrong["ko"]["MRR"] = 0.61
    checks.check_no_length_norm(wrong)
    assert capsys.readouterr().out.startswith("❌ Not the dev scores of BM25 with b = 0")
    checks.check_no_length_norm(fake_bm25_scores(0.0))
    out = capsys.readouterr().out
    assert out.startswith("✅") and "-3 of 64 (en), -2 of 47 (ko)" in out, out


def course_index_built() -> bool:
    from helpers.index import is_built

    return is_built()


@pytest.mark.skipif(not course_index_built(), reason="course index not built (run: make index)")
def test_no_length_norm_measures_the_real_bm25():
    # The check's own figures: b = 0 changes BM25's dev scores (else the exercise measures
    # nothing and any answer of b = 0.75 would pass).
    zero, usual = checks._bm25_scores_by_lang(0.0), checks._bm25_scores_by_lang(0.75)
    assert zero != usual
    assert {lang: zero[lang]["n"] for lang in zero} == {"en": 64, "ko": 47}


def test_bm25_by_hand_blank_slips_and_right(capsys):
    import math

    idf = math.log(1 + 97.5 / 3.5)
    tf = 2 / (2 + 1.5 * (0.25 + 0.75 * 1.5))
    checks.check_bm25_by_hand(...)
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_bm25_by_hand("three")
    assert "Expected a number" in capsys.readouterr().out
    for slip, hint in (
        (idf * tf * 2.5, "k1 + 1"),
        (idf * 2 / 3.5, "length"),
        (idf * 2 / (2 + 1.5 * (0.25 + 0.75 * 40 / 60)), "|d| / avgdl"),
        (math.log(97.5 / 3.5) * tf, "adds 1 inside"),
        (math.log10(1 + 97.5 / 3.5) * tf, "natural logarithm"),
        (1.0, "separately"),
    ):
        checks.check_bm25_by_hand(slip)
        out = capsys.readouterr().out
        assert out.startswith("❌") and hint in out, out
    checks.check_bm25_by_hand(idf * tf)
    assert capsys.readouterr().out.startswith("✅")
    checks.check_bm25_by_hand(round(idf * tf, 3))  # rounded to 3 places still counts
    assert capsys.readouterr().out.startswith("✅")
