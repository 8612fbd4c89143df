"""Loaders, cleaning, chunking and their one-line errors."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.documents import cleaning, hangul, loaders, splitting
from helpers.documents.files import CourseDataError, data_path
from helpers.questions import course
from helpers.settings import repo_root

FAQ_PDF = "debian-faq/debian-faq.en.pdf"


def test_clean_page_text_removes_running_lines_and_joins_hyphens():
    raw = (
        "CHAPTER 4. COMPATIBILITY ISSUES 4.1. ON WHAT…\r\n"
        "The docu\ufffementation is long and the mainte-\nnance is shared.\r\n"
        "12.2.3 Wiki . . . . . . . . . . . 55\r\n"
        "13"
    )
    assert (
        cleaning.clean_page_text(raw) == "The documentation is long and the maintenance is shared."
    )


def test_clean_page_text_keeps_korean_and_normal_first_lines():
    assert cleaning.clean_page_text("데비안 패키지 관리\n본문") == "데비안 패키지 관리\n본문"
    assert cleaning.clean_page_text("Chapter 4\nText") == "Chapter 4\nText"


def test_repeated_lines_finds_headers():
    pages = ["Tidewell Handbook\nA", "Tidewell Handbook\nB", "Tidewell Handbook\nC"]
    assert cleaning.repeated_lines(pages) == ["Tidewell Handbook"]


def test_pdfium_keeps_spaces_where_pypdf_glues_words():
    pdfium_pages = loaders.load_pdf(FAQ_PDF)
    pypdf_pages = loaders.load_pdf(FAQ_PDF, engine="pypdf")
    page = next(d for d in pdfium_pages if d.metadata["page_label"] == "13")
    assert page.metadata == {"source": FAQ_PDF, "page": 20, "page_label": "13", "total_pages": 73}
    assert "includes complete source code" in page.page_content.replace("-", " ")
    same = next(d for d in pypdf_pages if d.metadata["page"] == 20)
    assert cleaning.glued_share(same.page_content) > 10 * cleaning.glued_share(page.page_content)
    assert cleaning.glued_share(same.page_content) > 0.1  # the threshold of notebook 01's exercise


def test_load_text_and_encoding_errors(tmp_path):
    good = tmp_path / "ko.txt"
    good.write_text("\ufeff안녕하세요\r\n", encoding="utf-8")
    doc = loaders.load_text(good)[0]
    assert doc.page_content == "안녕하세요\n"
    legacy = tmp_path / "ko-cp949.txt"
    legacy.write_bytes("데비안 패키지를 보류하려면".encode("cp949"))
    with pytest.raises(CourseDataError, match="not valid utf-8 text; it decodes as 'cp949'"):
        loaders.load_text(legacy)
    assert loaders.load_text(legacy, encoding="cp949")[0].page_content.startswith("데비안")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "the file is empty"), (b"   \n\n", "only white space")],
)
def test_empty_files_say_so(tmp_path, content, message):
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    with pytest.raises(CourseDataError, match=message):
        loaders.load_text(path)


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(CourseDataError, match="no such file"):
        loaders.load_pdf("nowhere/missing.pdf")
    odd = tmp_path / "table.xlsx"
    odd.write_bytes(b"PK")
    with pytest.raises(CourseDataError, match="no loader for '.xlsx'"):
        loaders.load_file(odd)


def test_not_a_pdf_is_one_line_error(tmp_path):
    fake = tmp_path / "fake.pdf"
    fake.write_text("this is not a PDF")
    for engine in ("pdfium", "pypdf"):
        with pytest.raises(CourseDataError, match="not a readable PDF") as err:
            loaders.load_pdf(fake, engine=engine)
        assert "\n" not in str(err.value)


def broken_pdfs(tmp_path) -> dict[str, Path]:
    """Return a non-PDF file, a PDF cut in half and one missing its last bytes ("%%EOF")."""
    whole = data_path("tidewell/handbook.pdf").read_bytes()
    files = {
        "not-a-pdf": b"this is not a PDF",
        "half": whole[: len(whole) // 2],
        "no-eof": whole[:-5],
    }
    for name, content in files.items():
        (tmp_path / f"{name}.pdf").write_bytes(content)
    return {name: tmp_path / f"{name}.pdf" for name in files}


@pytest.mark.parametrize("engine", ["pdfium", "pypdf"])
def test_broken_pdfs_log_nothing_from_pypdf(tmp_path, caplog, recwarn, engine):
    caplog.set_level(logging.DEBUG)
    for name, path in broken_pdfs(tmp_path).items():
        if name == "no-eof":  # readable all the same: loads without a word from pypdf
            assert loaders.load_pdf(path, engine=engine, tables=False)
        else:
            with pytest.raises(CourseDataError, match="not a readable PDF"):
                loaders.load_pdf(path, engine=engine)
    pypdf_records = [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")]
    assert pypdf_records == []  # before: "invalid pdf header", "EOF marker not found", ...
    assert [str(w.message) for w in recwarn] == []


def test_a_learner_sees_only_the_course_line(tmp_path):
    # What a notebook shows: a fresh Python, no logging set up, so pypdf's warnings would go
    # straight to stderr (logging's last-resort handler) beside the course's message.
    paths = [str(p) for p in broken_pdfs(tmp_path).values()]
    script = (
        "import sys\n"
        "from helpers.documents.files import CourseDataError\n"
        "from helpers.documents.loaders import load_pdf\n"
        "for path in sys.argv[1:]:\n"
        "    for engine in ('pdfium', 'pypdf'):\n"
        "        try:\n"
        "            load_pdf(path, engine=engine, tables=False)\n"
        "        except CourseDataError as err:\n"
        "            print(err)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, *paths],
        capture_output=True,
        text=True,
        cwd=repo_root(),
        check=True,
    )
    assert run.stderr == ""
    assert run.stdout.splitlines() == [
        f"{Path(path).name}: not a readable PDF (corrupt or not a PDF at all); download it again."
        for path in paths[:2]
        for _ in range(2)
    ]


def test_pypdf_is_quiet_only_while_the_course_reads(tmp_path, caplog):
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    caplog.set_level(logging.WARNING)
    fake = broken_pdfs(tmp_path)["not-a-pdf"]
    level = logging.getLogger("pypdf").level
    with pytest.raises(CourseDataError):
        loaders.load_pdf(fake, engine="pypdf")
    assert logging.getLogger("pypdf").level == level
    with pytest.raises(PdfReadError):  # pypdf itself, outside the course's loaders, still logs
        PdfReader(fake)
    assert any(r.name.startswith("pypdf") for r in caplog.records)


def test_chunks_carry_metadata_and_stable_unique_ids():
    pages = loaders.load_pdf(FAQ_PDF)[:12]
    first = splitting.split_documents(pages)
    again = splitting.split_documents(loaders.load_pdf(FAQ_PDF)[:12])
    assert [c.metadata["chunk_id"] for c in first] == [c.metadata["chunk_id"] for c in again]
    assert len({c.metadata["chunk_id"] for c in first}) == len(first)
    assert all(len(c.page_content) <= splitting.CHUNK_SIZE for c in first)
    chunk = first[3]
    page = next(p for p in pages if p.metadata["page"] == chunk.metadata["page"])
    start = chunk.metadata["start_index"]
    assert page.page_content[start : start + len(chunk.page_content)] == chunk.page_content


def test_questions_reject_bad_json(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "a"}\n{oops\n')
    with pytest.raises(CourseDataError, match="line 2: not valid JSON"):
        course.load_questions(bad)


def test_normalize():
    assert hangul.normalize("  Ｄebian\n GNU ") == "debian gnu"


def test_glued_words_and_share():
    text = "Debian GNU/Linux includes DebianGNULinuxincludescomplete source code"
    assert cleaning.glued_words(text) == ["DebianGNULinuxincludescomplete"]
    assert cleaning.glued_share(text) == 1 / 7  # "GNU/Linux" is two words
    assert cleaning.glued_share("") == 0.0
    assert cleaning.glued_words("internationalization") == ["internationalization"]  # 20 letters


def test_notebook_01_teaches_the_same_detector():
    # Notebook 01 writes glued_words/glued_share itself (the lesson); its exercise is checked
    # with helpers.documents's, so the two must agree.
    import ast
    import json
    import re

    nb = json.loads((repo_root() / "notebooks" / "01_loaders.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    cell = next(s for s in sources if "def glued_share" in s)
    defs = [n for n in ast.parse(cell).body if isinstance(n, ast.FunctionDef)]
    namespace: dict = {"re": re}
    exec(compile(ast.Module(body=defs, type_ignores=[]), "01_loaders", "exec"), namespace)
    pages = [p.page_content for p in loaders.load_pdf(FAQ_PDF, engine="pypdf")[15:30]]
    for text in [*pages, "word " * 5, "abcdefghijklmnopqrstuvwxyz short"]:
        assert namespace["glued_words"](text) == cleaning.glued_words(text)
        assert namespace["glued_share"](text) == cleaning.glued_share(text)


def test_hangul_bigrams():
    assert hangul.hangul_bigrams("패키지를") == ["패키", "키지", "지를"]
    assert hangul.hangul_bigrams("집") == ["집"]


CONTENTS = "\n".join(
    [
        "Contents",
        "",
        "1 Definitions and overview",
        "1.1 What is this FAQ?",
        "1.2 Who wrote it?",
        "1.3 Where is it?",
        "2 Getting it",
        "2.1 Which version",
        "2.2 Where to",
        "  download it",
        "2.3 On which media",
        "3 Compatibility",
        "3.1 Hardware",
        "3.2 Other systems",
        "",
    ]
)
BODY = "\n".join(
    [
        "1 Definitions and overview",
        "",
        "1.1 What is this FAQ?",
        "This document answers frequently asked questions. It is kept up to date by volunteers,",
        "and each section starts with a question that users really asked on the mailing lists.",
        "",
        "Follow these steps:",
        "1. Open the terminal.",
        "2. Type the command.",
        "3. Press Enter.",
        "4. Read the output.",
        "5. Close the terminal.",
    ]
)


def test_drop_contents_removes_the_contents_and_keeps_the_body():
    text = "The FAQ\n\n" + CONTENTS + "\n" + BODY
    lines = text.split("\n")
    assert cleaning.contents_lines(text) == [(2, 2 + CONTENTS.count("\n") - 1)]
    assert lines[2] == "Contents" and lines[15] == "3.2 Other systems"
    kept = cleaning.drop_contents(text)
    assert "Getting it" not in kept and "Contents" not in kept
    assert kept.endswith(BODY) and kept.startswith("The FAQ")
    assert cleaning.drop_contents(BODY) == BODY  # headings with answers, a plain numbered list


def test_a_contents_page_of_a_pdf_is_emptied_but_not_a_page_of_prose():
    page = "\n".join(["3.4 Printing", "3.5 Sound", "3.6 Networks", "4 Software", "4.1 Games"])
    assert cleaning.drop_contents(page).strip() == ""
    prose = page.replace(
        "3.5 Sound",
        "3.5 Sound\n"
        + "Sound works out of the box. " * 5
        + "\n"
        + "Most cards need no driver.\nAsk the list.\nOr read the wiki.",
    )
    assert cleaning.drop_contents(prose) == prose


def test_the_korean_faq_loses_its_contents_only():
    raw = loaders.load_text("debian-faq/debian-faq.ko.txt", clean=False)[0].page_content
    ((first, last),) = cleaning.contents_lines(raw)
    lines = raw.split("\n")
    assert lines[first].strip() == "차례" and lines[last].strip().startswith("16.4.")
    assert next(line for line in lines[last + 1 :] if line.strip()).startswith("1장.")
    cleaned = loaders.load_text("debian-faq/debian-faq.ko.txt")[0].page_content
    assert len(cleaned.split("\n")) == len(lines) - (last - first + 1)
