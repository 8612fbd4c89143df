"""The course data: question set consistent with the corpus, sample files fail as documented."""

from __future__ import annotations

import hashlib
import re
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


HANGUL = re.compile("[\uac00-\ud7a3]")


def test_question_fields(questions, chunks):
    last_page: dict[str, int] = {}  # per PDF source, its last 0-based page
    for c in chunks:
        if c.metadata.get("page") is not None:
            source = c.metadata["source"]
            last_page[source] = max(last_page.get(source, 0), c.metadata["page"])
    assert len(questions) >= 40
    assert len({q["id"] for q in questions}) == len(questions)
    for q in questions:
        assert set(q) == {"id", "lang", "question", "answer", "answerable", "gold"}, q["id"]
        assert re.fullmatch(r"(tw|faq|ko|none)-\d\d", q["id"]), q["id"]
        assert q["lang"] in ("en", "ko")
        assert isinstance(q["question"], str) and q["question"].strip(), q["id"]
        assert (q["lang"] == "ko") == bool(HANGUL.search(q["question"])), q["id"]
        assert isinstance(q["answerable"], bool), q["id"]
        assert q["answerable"] == (q["gold"] is not None) == (q["answer"] is not None), q["id"]
        assert q["answerable"] != q["id"].startswith("none-"), q["id"]
        if q["gold"]:
            assert isinstance(q["answer"], str) and q["answer"].strip(), q["id"]
            assert set(q["gold"]) == {"source", "page", "evidence"}
            assert q["gold"]["source"] in corpus.CORPUS_FILES
            assert 1 <= len(q["gold"]["evidence"].split()) <= 12, q["id"]
            page = q["gold"]["page"]
            if q["gold"]["source"].endswith(".pdf"):
                assert isinstance(page, int) and 0 <= page <= last_page[q["gold"]["source"]]
            else:
                assert page is None, q["id"]


def test_question_mix(questions):
    kinds = Counter(q["id"].split("-")[0] for q in questions)
    assert sum(q["lang"] == "ko" for q in questions) >= 5
    assert sum(not q["answerable"] for q in questions) >= 5
    assert kinds["tw"] >= 15 and kinds["faq"] >= 10
    ko_faq = [
        q
        for q in questions
        if q["lang"] == "ko" and q["gold"] and q["gold"]["source"] == "debian-faq/debian-faq.ko.txt"
    ]
    assert len(ko_faq) >= 2
    sources = {q["gold"]["source"] for q in questions if q["gold"]}
    assert sources == set(corpus.CORPUS_FILES)  # every indexed file is asked about


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


def test_handbook_reads_like_a_real_pdf_after_cleaning():
    pages = corpus.load_pdf("tidewell/handbook.pdf")
    assert 8 <= len(pages) <= 10
    texts = [corpus.normalize(p.page_content) for p in pages]
    # the running header and the page-number footer are removed by clean_page_text
    assert not any("member handbook 2026" in t for t in texts)
    assert not any(re.search(r"\n\s*\d+\s*$", p.page_content) for p in pages)
    # a word hyphenated across a line break ("appro-ves") is joined again
    assert "safety officer, dr. annika voss, approves every new machine" in texts[1]
    # the two-column page: the whole left column is read before the right one
    columns = texts[4]
    assert columns.index("rented for eur 4 per month") < columns.index("is there parking?")


def test_samples_are_reproducible(tmp_path):
    script = corpus.get_settings().root / "scripts" / "make_samples.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    for made in sorted(tmp_path.iterdir()):
        committed = corpus.data_path(f"samples/{made.name}").read_bytes()
        assert made.read_bytes() == committed, made.name


def test_handbook_pdf_is_reproducible(tmp_path):
    out = tmp_path / "handbook.pdf"
    script = corpus.get_settings().root / "scripts" / "make_handbook.py"
    subprocess.run([sys.executable, str(script), str(out)], check=True, capture_output=True)
    committed = corpus.data_path("tidewell/handbook.pdf").read_bytes()
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(committed).hexdigest()
