"""The external QA benchmark (TyDi QA GoldP sample): it loads, and its gold evidence is usable."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

from helpers.documents.files import CourseDataError
from helpers.documents.hangul import normalize
from helpers.documents.splitting import split_documents
from helpers.evaluation.metrics import is_relevant
from helpers.questions.tydi import DEFAULT_BENCHMARK, external_dir, load_external

FIELDS = {"id", "lang", "question", "answer", "answerable", "gold", "split"}
HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.fixture(scope="module")
def benchmark():
    return load_external()


@pytest.fixture(scope="module")
def chunks_by_source(benchmark):
    docs, _ = benchmark
    out: dict[str, list] = {}
    for chunk in split_documents(docs, 500, 50):  # the course splitter's setting
        out.setdefault(chunk.metadata["source"], []).append(chunk)
    return out


def test_counts(benchmark):
    docs, questions = benchmark
    assert Counter(q["lang"] for q in questions) == {"ko": 150, "en": 150}
    assert Counter(d.metadata["lang"] for d in docs) == {"ko": 228, "en": 294}
    for lang in ("ko", "en"):
        gold = {q["gold"]["source"] for q in questions if q["lang"] == lang}
        passages = [d for d in docs if d.metadata["lang"] == lang]
        assert len(gold) < len(passages) <= 2 * len(gold)  # gold plus at most as many others


def test_fields_and_ids(benchmark):
    docs, questions = benchmark
    sources = [d.metadata["source"] for d in docs]
    assert len(set(sources)) == len(sources)
    assert len({q["id"] for q in questions}) == len(questions)
    assert len({d.page_content for d in docs}) == len(docs)
    for d in docs:
        pattern = rf"external/{DEFAULT_BENCHMARK}/(ko|en)-[0-9a-f]{{10}}"
        assert re.fullmatch(pattern, d.metadata["source"])
        assert d.metadata["source"].split("/")[-1].startswith(d.metadata["lang"])
    for q in questions:
        assert set(q) == FIELDS, q["id"]
        assert q["answerable"] is True and q["gold"]["page"] is None
        assert q["id"].startswith({"ko": "korean-", "en": "english-"}[q["lang"]])
        assert bool(HANGUL.search(q["question"])) == (q["lang"] == "ko"), q["id"]
        assert q["gold"]["source"] in sources, q["id"]


def test_answer_and_evidence_are_verbatim(benchmark):
    docs, questions = benchmark
    text = {d.metadata["source"]: d.page_content for d in docs}
    for q in questions:
        passage = text[q["gold"]["source"]]
        assert q["gold"]["evidence"] in passage, q["id"]
        assert q["answer"] in passage, q["id"]
        assert 0 < len(q["gold"]["evidence"]) <= 80, q["id"]


def test_evidence_lies_in_one_chunk(benchmark, chunks_by_source):
    _, questions = benchmark
    for q in questions:
        chunks = chunks_by_source[q["gold"]["source"]]
        assert any(is_relevant(c, q["gold"]) for c in chunks), q["id"]


def test_evidence_points_at_one_place(benchmark, chunks_by_source):
    """In a passage of several chunks the evidence occurs once, so a chunk that holds it holds
    the answer that was marked (not the same word elsewhere)."""
    docs, questions = benchmark
    text = {d.metadata["source"]: normalize(d.page_content) for d in docs}
    for q in questions:
        if len(chunks_by_source[q["gold"]["source"]]) > 1:
            assert text[q["gold"]["source"]].count(normalize(q["gold"]["evidence"])) == 1, q["id"]


def test_license_readme_and_size():
    folder = external_dir()
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")
    readme = (folder.parent / "README.md").read_text(encoding="utf-8")
    assert "55c6649475e0765f717a6d32a173c6664096a8ce" in readme and "Apache" in readme
    assert "dev-questions.jsonl" in readme and "korean_tydiqa_train.json" in readme
    assert sum(p.stat().st_size for p in folder.iterdir()) < 5_000_000


def test_unknown_benchmark_fails():
    with pytest.raises(CourseDataError, match="no such benchmark"):
        load_external("no-such-set")


def _make_external():
    path = Path(__file__).resolve().parent.parent / "scripts" / "make_external.py"
    spec = importlib.util.spec_from_file_location("make_external", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_choose_evidence_widens_a_repeated_answer():
    make = _make_external()
    filler = " ".join(f"word{i}" for i in range(150))  # about 1000 characters: 3 chunks
    text = f"In 1606 the first port opened. {filler} The second port opened in 1606 at Kiel."
    late = text.rindex("1606")
    evidence = make.choose_evidence(text, late, "1606")
    assert evidence != "1606" and "1606" in evidence and text.count(evidence) == 1
    assert make.choose_evidence(text, text.index("1606"), "1606") != evidence
    short = "Founded in 1606, rebuilt in 1606."  # one chunk: the bare answer is enough
    assert make.choose_evidence(short, short.index("1606"), "1606") == "1606"


def test_each_language_splits_in_half_alternating(benchmark):
    _, questions = benchmark
    for lang in ("ko", "en"):
        mine = [q["split"] for q in questions if q["lang"] == lang]
        assert mine[:4] == ["dev", "test", "dev", "test"]  # alternating, in file order
        assert mine.count("dev") == mine.count("test") == len(mine) // 2


@pytest.fixture(scope="module")
def wider(benchmark):
    return load_external(wider_dev=True)


def test_wider_dev_side_counts_and_leaves_test_alone(benchmark, wider):
    docs, questions = benchmark
    wide_docs, wide_questions = wider
    assert wide_docs[: len(docs)] == docs and wide_questions[: len(questions)] == questions
    extra = wide_questions[len(questions):]
    assert Counter((q["lang"], q["tydi_split"]) for q in extra) == {
        ("ko", "dev"): 126, ("ko", "train"): 200, ("en", "dev"): 290}
    assert all(q["split"] == "dev" and set(q) == FIELDS | {"tydi_split"} for q in extra)
    assert Counter(d.metadata["lang"] for d in wide_docs[len(docs):]) == {"ko": 390, "en": 135}
    test_ids = {q["id"] for q in questions if q["split"] == "test"}
    test_texts = {q["question"] for q in questions if q["split"] == "test"}
    assert not test_ids & {q["id"] for q in extra}
    assert not test_texts & {q["question"] for q in extra}
    sources = [d.metadata["source"] for d in wide_docs]
    assert len(set(sources)) == len(sources)
    # >= 250 Korean dev questions with the course's 47: TyDi's dev half, its other dev ones, train
    n_dev = sum(q["split"] == "dev" and q["lang"] == "ko" for q in wide_questions)
    assert n_dev == 75 + 126 + 200


def test_wider_dev_evidence_is_verbatim_and_in_one_chunk(wider):
    docs, questions = wider
    text = {d.metadata["source"]: d.page_content for d in docs}
    extra = [q for q in questions if "tydi_split" in q]
    chunks: dict[str, list] = {}
    for chunk in split_documents([d for d in docs if d.metadata["source"] in
                                  {q["gold"]["source"] for q in extra}], 500, 50):
        chunks.setdefault(chunk.metadata["source"], []).append(chunk)
    for q in extra:
        assert q["gold"]["evidence"] in text[q["gold"]["source"]], q["id"]
        assert 0 < len(q["gold"]["evidence"]) <= 80, q["id"]
        assert any(is_relevant(c, q["gold"]) for c in chunks[q["gold"]["source"]]), q["id"]
        assert bool(HANGUL.search(q["question"])) == (q["lang"] == "ko"), q["id"]
