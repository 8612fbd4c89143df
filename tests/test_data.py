"""The course data: question set consistent with the corpus, sample files fail as documented."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter

import pytest

from helpers import corpus
from helpers.corpus import CourseDataError


@pytest.fixture(scope="module")
def chunks():
    return corpus.corpus_chunks()


@pytest.fixture(scope="module")
def questions():
    return corpus.load_questions()


def test_question_fields(questions):
    assert len(questions) >= 40
    assert len({q["id"] for q in questions}) == len(questions)
    for q in questions:
        assert set(q) == {"id", "lang", "question", "answer", "answerable", "gold"}, q["id"]
        assert q["lang"] in ("en", "ko")
        assert q["answerable"] == (q["gold"] is not None) == (q["answer"] is not None), q["id"]
        if q["gold"]:
            assert set(q["gold"]) == {"source", "page", "evidence"}
            assert q["gold"]["source"] in corpus.CORPUS_FILES
            is_pdf = q["gold"]["source"].endswith(".pdf")
            assert isinstance(q["gold"]["page"], int) if is_pdf else q["gold"]["page"] is None


def test_question_mix(questions):
    kinds = Counter(q["id"].split("-")[0] for q in questions)
    assert sum(q["lang"] == "ko" for q in questions) >= 5
    assert sum(not q["answerable"] for q in questions) >= 5
    assert kinds["tw"] >= 15 and kinds["faq"] >= 10


def test_every_evidence_is_in_a_chunk_of_its_gold_page(chunks, questions):
    missing = []
    for q in questions:
        gold = q["gold"]
        if gold is None:
            continue
        evidence = corpus.normalize(gold["evidence"])
        if not any(
            c.metadata["source"] == gold["source"]
            and c.metadata.get("page") == gold["page"]
            and evidence in corpus.normalize(c.page_content)
            for c in chunks
        ):
            missing.append(q["id"])
    assert missing == []


def test_questions_do_not_copy_the_evidence(questions):
    copied = [
        q["id"]
        for q in questions
        if q["gold"] and corpus.normalize(q["gold"]["evidence"]) in corpus.normalize(q["question"])
    ]
    assert copied == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("samples/empty.txt", "the file is empty"),
        ("samples/notice.cp949.txt", "decodes as 'cp949'"),
        ("samples/corrupt.pdf", "not a readable PDF"),
        ("samples/encrypted.pdf", "the PDF is encrypted"),
        ("samples/scanned.pdf", "no text layer"),
    ],
)
def test_bad_samples_raise_one_line_errors(name, message):
    loader = corpus.load_pdf if name.endswith(".pdf") else corpus.load_text
    with pytest.raises(CourseDataError, match=message) as err:
        loader(name)
    assert "\n" not in str(err.value)


def test_cp949_sample_loads_with_its_encoding():
    doc = corpus.load_text("samples/notice.cp949.txt", encoding="cp949")[0]
    assert doc.page_content == corpus.load_text("tidewell/notice.ko.txt")[0].page_content


def test_handbook_pdf_is_reproducible(tmp_path):
    out = tmp_path / "handbook.pdf"
    script = corpus.get_settings().root / "scripts" / "make_handbook.py"
    subprocess.run([sys.executable, str(script), str(out)], check=True, capture_output=True)
    committed = corpus.data_path("tidewell/handbook.pdf").read_bytes()
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(committed).hexdigest()
