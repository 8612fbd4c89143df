"""Loaders, cleaning, chunking and their one-line errors."""

from __future__ import annotations

import re

import pytest

from helpers import corpus
from helpers.corpus import CourseDataError

FAQ_PDF = "debian-faq/debian-faq.en.pdf"


def glued_share(text: str) -> float:
    """Share of 'words' of 25+ letters: near 0 for normal English, large when spaces are lost."""
    words = re.findall(r"[A-Za-z/\-,.]+", text)
    return sum(len(w) >= 25 for w in words) / max(1, len(words))


def test_clean_page_text_removes_running_lines_and_joins_hyphens():
    raw = (
        "CHAPTER 4. COMPATIBILITY ISSUES 4.1. ON WHAT…\r\n"
        "The docu\ufffementation is long and the mainte-\nnance is shared.\r\n"
        "12.2.3 Wiki . . . . . . . . . . . 55\r\n"
        "13"
    )
    assert corpus.clean_page_text(raw) == "The documentation is long and the maintenance is shared."


def test_clean_page_text_keeps_korean_and_normal_first_lines():
    assert corpus.clean_page_text("데비안 패키지 관리\n본문") == "데비안 패키지 관리\n본문"
    assert corpus.clean_page_text("Chapter 4\nText") == "Chapter 4\nText"


def test_repeated_lines_finds_headers():
    pages = ["Tidewell Handbook\nA", "Tidewell Handbook\nB", "Tidewell Handbook\nC"]
    assert corpus.repeated_lines(pages) == ["Tidewell Handbook"]


def test_pdfium_keeps_spaces_where_pypdf_glues_words():
    pdfium_pages = corpus.load_pdf(FAQ_PDF)
    pypdf_pages = corpus.load_pdf(FAQ_PDF, engine="pypdf")
    page = next(d for d in pdfium_pages if d.metadata["page_label"] == "13")
    assert page.metadata == {"source": FAQ_PDF, "page": 20, "page_label": "13", "total_pages": 73}
    assert "includes complete source code" in page.page_content.replace("-", " ")
    same = next(d for d in pypdf_pages if d.metadata["page"] == 20)
    assert glued_share(same.page_content) > 10 * glued_share(page.page_content)


def test_load_text_and_encoding_errors(tmp_path):
    good = tmp_path / "ko.txt"
    good.write_text("\ufeff안녕하세요\r\n", encoding="utf-8")
    doc = corpus.load_text(good)[0]
    assert doc.page_content == "안녕하세요\n"
    legacy = tmp_path / "ko-cp949.txt"
    legacy.write_bytes("데비안 패키지를 보류하려면".encode("cp949"))
    with pytest.raises(CourseDataError, match="not valid utf-8 text; it decodes as 'cp949'"):
        corpus.load_text(legacy)
    assert corpus.load_text(legacy, encoding="cp949")[0].page_content.startswith("데비안")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "the file is empty"), (b"   \n\n", "only white space")],
)
def test_empty_files_say_so(tmp_path, content, message):
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    with pytest.raises(CourseDataError, match=message):
        corpus.load_text(path)


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(CourseDataError, match="no such file"):
        corpus.load_pdf("nowhere/missing.pdf")
    odd = tmp_path / "table.xlsx"
    odd.write_bytes(b"PK")
    with pytest.raises(CourseDataError, match="no loader for '.xlsx'"):
        corpus.load_file(odd)


def test_not_a_pdf_is_one_line_error(tmp_path):
    fake = tmp_path / "fake.pdf"
    fake.write_text("this is not a PDF")
    for engine in ("pdfium", "pypdf"):
        with pytest.raises(CourseDataError, match="not a readable PDF") as err:
            corpus.load_pdf(fake, engine=engine)
        assert "\n" not in str(err.value)


def test_chunks_carry_metadata_and_stable_unique_ids():
    pages = corpus.load_pdf(FAQ_PDF)[:12]
    first = corpus.split_documents(pages)
    again = corpus.split_documents(corpus.load_pdf(FAQ_PDF)[:12])
    assert [c.metadata["chunk_id"] for c in first] == [c.metadata["chunk_id"] for c in again]
    assert len({c.metadata["chunk_id"] for c in first}) == len(first)
    assert all(len(c.page_content) <= corpus.CHUNK_SIZE for c in first)
    chunk = first[3]
    page = next(p for p in pages if p.metadata["page"] == chunk.metadata["page"])
    start = chunk.metadata["start_index"]
    assert page.page_content[start : start + len(chunk.page_content)] == chunk.page_content


def test_questions_reject_bad_json(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "a"}\n{oops\n')
    with pytest.raises(CourseDataError, match="line 2: not valid JSON"):
        corpus.load_questions(bad)


def test_normalize():
    assert corpus.normalize("  Ｄebian\n GNU ") == "debian gnu"
