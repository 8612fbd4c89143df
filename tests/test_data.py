"""The course data: question set consistent with the corpus, sample files fail as documented."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections import Counter

import pytest

from helpers.documents import files, hangul, loaders
from helpers.documents.files import CourseDataError
from helpers.index import chroma
from helpers.questions import course


@pytest.fixture(scope="module")
def chunks():
    return chroma.corpus_chunks()


@pytest.fixture(scope="module")
def questions():
    return course.load_questions()


HANGUL = re.compile("[\uac00-\ud7a3]")

#: Schema v2 of data/questions.jsonl: these keys, in this order (see data/README.md).
QUESTION_KEYS = [
    "id", "lang", "split", "kind", "question", "answer", "key_facts", "answerable", "gold",
    "gold_extra",
]  # fmt: skip
KINDS = ("fact", "table", "two-passage", "cross-lingual", "unanswerable")
HANDBOOK = "tidewell/handbook.pdf"


def source_lang(source: str) -> str:
    """Return the language of a corpus file: Korean for the ``.ko.txt`` files, else English."""
    return "ko" if source.endswith(".ko.txt") else "en"


def evidence_chunks(chunks, gold) -> list[str]:
    """Return the normalised texts of the chunks of ``gold``'s source and page that hold its
    evidence."""
    evidence = hangul.normalize(gold["evidence"])
    return [
        text
        for c in chunks
        if c.metadata["source"] == gold["source"]
        and c.metadata.get("page") == gold["page"]
        and evidence in (text := hangul.normalize(c.page_content))
    ]


def key_fact_problems(questions, chunks) -> list[str]:
    """Return "id: fact" for every key fact that no chunk holding the question's gold (or a
    gold_extra) evidence contains."""
    problems = []
    for q in questions:
        golds = [q["gold"], *q["gold_extra"]] if q["gold"] else []
        texts = [text for gold in golds for text in evidence_chunks(chunks, gold)]
        problems += [
            f"{q['id']}: {fact}"
            for fact in q["key_facts"]
            if not any(hangul.normalize(fact) in t for t in texts)
        ]
    return problems


def check_gold(gold, last_page) -> None:
    """Assert that ``gold`` is a {source, page, evidence} reference into the course index."""
    assert list(gold) == ["source", "page", "evidence"], gold
    assert gold["source"] in files.CORPUS_FILES, gold
    assert 1 <= len(gold["evidence"].split()) <= 12, gold
    if gold["source"].endswith(".pdf"):
        assert isinstance(gold["page"], int), gold
        assert 0 <= gold["page"] <= last_page[gold["source"]], gold
    else:
        assert gold["page"] is None, gold


def test_question_fields(questions, chunks):
    last_page: dict[str, int] = {}  # per PDF source, its last 0-based page
    for c in chunks:
        if c.metadata.get("page") is not None:
            source = c.metadata["source"]
            last_page[source] = max(last_page.get(source, 0), c.metadata["page"])
    assert len({q["id"] for q in questions}) == len(questions)
    for q in questions:
        qid = q["id"]
        assert list(q) == QUESTION_KEYS, qid
        assert re.fullmatch(r"(tw|faq|ko|none)-\d\d", qid), qid
        assert q["lang"] in ("en", "ko"), qid
        assert q["split"] in ("dev", "test"), qid
        assert q["kind"] in KINDS, qid
        assert isinstance(q["question"], str) and q["question"].strip(), qid
        assert (q["lang"] == "ko") == bool(HANGUL.search(q["question"])), qid
        assert isinstance(q["answerable"], bool), qid
        assert q["answerable"] == (q["gold"] is not None) == (q["answer"] is not None), qid
        assert q["answerable"] != qid.startswith("none-"), qid
        assert q["answerable"] == (q["kind"] != "unanswerable"), qid
        assert isinstance(q["key_facts"], list) and isinstance(q["gold_extra"], list), qid
        # key facts: 1-3 short non-empty strings iff answerable
        assert (1 <= len(q["key_facts"]) <= 3) if q["answerable"] else q["key_facts"] == [], qid
        assert all(isinstance(f, str) and f.strip() for f in q["key_facts"]), qid
        # gold_extra: 1-2 more references for two-passage questions, none otherwise
        if q["kind"] == "two-passage":
            assert 1 <= len(q["gold_extra"]) <= 2, qid
        else:
            assert q["gold_extra"] == [], qid
        if q["gold"]:
            assert isinstance(q["answer"], str) and q["answer"].strip(), qid
            for gold in [q["gold"], *q["gold_extra"]]:
                check_gold(gold, last_page)
            gold_lang = source_lang(q["gold"]["source"])
            if q["kind"] == "cross-lingual":
                assert q["lang"] != gold_lang, qid
            elif q["kind"] in ("fact", "table"):
                assert q["lang"] == gold_lang, qid
            if q["kind"] == "table":
                assert q["gold"]["source"] == HANDBOOK, qid


def test_every_key_fact_is_in_a_gold_chunk(chunks, questions):
    assert key_fact_problems(questions, chunks) == []


def test_key_fact_check_can_fail(chunks, questions):
    q = next(q for q in questions if q["id"] == "tw-08")
    wrong = {**q, "key_facts": ["EUR 399"]}  # a price that is not in the handbook
    moved = {**q, "key_facts": ["Marisol Quenby"]}  # in the handbook, but not in the gold chunk
    assert key_fact_problems([q], chunks) == []
    assert key_fact_problems([wrong, moved], chunks) == ["tw-08: EUR 399", "tw-08: Marisol Quenby"]


def test_every_gold_extra_evidence_is_in_a_chunk_of_its_page(chunks, questions):
    missing = [
        f"{q['id']}: {g['evidence']}"
        for q in questions
        for g in q["gold_extra"]
        if not evidence_chunks(chunks, g)
    ]
    assert missing == []


def test_question_mix(questions):
    prefixes = Counter(q["id"].split("-")[0] for q in questions)
    kinds = Counter(q["kind"] for q in questions)
    assert len(questions) >= 160
    assert sum(q["lang"] == "ko" for q in questions) >= 44
    assert kinds["unanswerable"] >= 24
    assert sum(not q["answerable"] and q["lang"] == "ko" for q in questions) >= 2
    assert kinds["table"] + kinds["two-passage"] >= 24
    assert kinds["table"] >= 8 and kinds["two-passage"] >= 8 and kinds["cross-lingual"] >= 3
    assert prefixes["tw"] >= 15 and prefixes["faq"] >= 30
    ko_faq = [
        q
        for q in questions
        if q["lang"] == "ko" and q["gold"] and q["gold"]["source"] == "debian-faq/debian-faq.ko.txt"
    ]
    assert len(ko_faq) >= 20
    sources = {q["gold"]["source"] for q in questions if q["gold"]}
    assert sources == set(files.CORPUS_FILES)  # every indexed file is asked about


def test_split_is_fixed_and_stratified(questions):
    test = [q for q in questions if q["split"] == "test"]
    assert 0.4 <= len(test) / len(questions) <= 0.6
    assert sum(q["lang"] == "ko" and q["answerable"] for q in test) >= 20
    assert sum(not q["answerable"] for q in test) >= 10
    assert sum(q["kind"] in ("table", "two-passage") for q in test) >= 10
    # within each (lang, kind, gold source) group, dev and test differ by at most one
    groups: dict[tuple, Counter] = {}
    for q in questions:
        key = (q["lang"], q["kind"], q["gold"]["source"] if q["gold"] else None)
        groups.setdefault(key, Counter())[q["split"]] += 1
    unbalanced = {k: dict(v) for k, v in groups.items() if abs(v["dev"] - v["test"]) > 1}
    assert unbalanced == {}


def test_every_evidence_is_in_a_chunk_of_its_gold_page(chunks, questions):
    missing = []
    for q in questions:
        gold = q["gold"]
        if gold is None:
            continue
        evidence = hangul.normalize(gold["evidence"])
        if not any(
            c.metadata["source"] == gold["source"]
            and c.metadata.get("page") == gold["page"]
            and evidence in hangul.normalize(c.page_content)
            for c in chunks
        ):
            missing.append(q["id"])
    assert missing == []


def test_questions_do_not_copy_the_evidence(questions):
    copied = [
        q["id"]
        for q in questions
        if q["gold"]
        for gold in [q["gold"], *q["gold_extra"]]
        if hangul.normalize(gold["evidence"]) in hangul.normalize(q["question"])
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
    loader = loaders.load_pdf if name.endswith(".pdf") else loaders.load_text
    with pytest.raises(CourseDataError, match=message) as err:
        loader(name)
    assert "\n" not in str(err.value)


def test_cp949_sample_loads_with_its_encoding():
    doc = loaders.load_text("samples/notice.cp949.txt", encoding="cp949")[0]
    assert doc.page_content == loaders.load_text("tidewell/notice.ko.txt")[0].page_content


def test_handbook_reads_like_a_real_pdf_after_cleaning():
    pages = loaders.load_pdf("tidewell/handbook.pdf")
    assert 8 <= len(pages) <= 10
    texts = [hangul.normalize(p.page_content) for p in pages]
    # the running header and the page-number footer are removed by clean_page_text
    assert not any("member handbook 2026" in t for t in texts)
    assert not any(re.search(r"\n\s*\d+\s*$", p.page_content) for p in pages)
    # a word hyphenated across a line break ("appro-ves") is joined again
    assert "safety officer, dr. annika voss, approves every new machine" in texts[1]
    # the two-column page: the whole left column is read before the right one
    columns = texts[4]
    assert columns.index("rented for eur 4 per month") < columns.index("is there parking?")


def test_samples_are_reproducible(tmp_path):
    script = files.ROOT / "scripts" / "make_samples.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    for made in sorted(tmp_path.iterdir()):
        committed = files.data_path(f"samples/{made.name}").read_bytes()
        assert made.read_bytes() == committed, made.name


def test_handbook_pdf_is_reproducible(tmp_path):
    out = tmp_path / "handbook.pdf"
    script = files.ROOT / "scripts" / "make_handbook.py"
    subprocess.run([sys.executable, str(script), str(out)], check=True, capture_output=True)
    committed = files.data_path("tidewell/handbook.pdf").read_bytes()
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(committed).hexdigest()
