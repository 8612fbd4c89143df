"""The course documents: load files as LangChain ``Document``s, clean PDF text, split into chunks.

Notebook 01 writes these loaders step by step; later notebooks reuse them from here. Every
error a learner can cause (a missing, empty, corrupt, encrypted or image-only file, a wrong text
encoding) raises :class:`CourseDataError` with one line that says what to do — and only that
line: pypdf's own log lines about a broken file are held back while the course reads it.
The text detectors shared by the lessons live here too: glued words (:func:`glued_share`), the
script of a text (:func:`script_of`) and Hangul bigrams (:func:`hangul_bigrams`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from langchain_core.documents import Document

from helpers.settings import get_settings, relative

#: The files that make up the course index, relative to ``data/`` (see ``data/README.md``).
CORPUS_FILES: tuple[str, ...] = (
    "debian-faq/debian-faq.en.pdf",
    "debian-faq/debian-faq.ko.txt",
    "tidewell/handbook.pdf",
    "tidewell/news-2026.txt",
    "tidewell/notice.ko.txt",
)

#: The seed note's splitter setting, used for the course index.
CHUNK_SIZE = 500
CHUNK_OVERLAP = 50

PdfEngine = Literal["pdfium", "pypdf"]


class CourseDataError(ValueError):
    """A course file cannot be read as it is; the message says what to do about it."""


def data_path(name: str | Path) -> Path:
    """Return the path of ``name`` under ``data/`` (absolute paths are returned unchanged)."""
    path = Path(name)
    return path if path.is_absolute() else get_settings().data_dir / path


def _existing_file(path: str | Path) -> Path:
    """Return ``path`` as a data path after checking that it exists and is not empty."""
    p = data_path(path)
    if not p.is_file():
        raise CourseDataError(f"{relative(p)}: no such file; check the name (see data/README.md).")
    if p.stat().st_size == 0:
        raise CourseDataError(f"{relative(p)}: the file is empty (0 bytes); copy it again.")
    return p


# --- cleaning -------------------------------------------------------------------------------

_DOT_LEADER = re.compile(r"(?:\s?\.){4,}\s*\S*\s*$")  # "Wiki . . . . . . 55" (table of contents)
_PAGE_NUMBER = re.compile(r"^\s*(?:[ivxlc]+|\d+)\s*$", re.IGNORECASE)
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")


def clean_page_text(text: str) -> str:
    """Return page text with line endings unified, page numbers, running headers and
    tables of contents (:func:`drop_contents`) removed, and words re-joined across hyphenated
    line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    # pdfium marks a word hyphenated across a line break with U+FFFE ("docu\ufffementation").
    text = text.replace("\ufffe", "").replace("\u00ad", "")
    text = text.replace("\ufb01", "fi").replace("\ufb02", "fl")
    lines = [line.rstrip() for line in text.split("\n")]
    # Running header: a first line with no lower-case letter ("CHAPTER 4. COMPATIBILITY ...").
    while lines and (not lines[0].strip() or _is_running_line(lines[0])):
        lines.pop(0)
    while lines and (not lines[-1].strip() or _is_running_line(lines[-1])):
        lines.pop()
    lines = [line for line in lines if not _DOT_LEADER.search(line)]
    return drop_contents(_HYPHEN_BREAK.sub(r"\1\2", "\n".join(lines))).strip()


#: A line that starts with a section number: "6.1. What ...", "3.1.10 How ...", "11.11Some ...",
#: "1 Definitions", "2. 얻기" (not "1장.", a chapter heading of the Korean text).
_NUMBERED = re.compile(r"^\s*(?:\d+(?:\.\d+)+\.?\s*|\d+\.?\s+)\S")
_SUBSECTION = re.compile(r"^\s*\d+(?:\.\d+)+")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)*)")


def _section_number(line: str) -> str | None:
    """Return the section number a line starts with ("6.1" of "6.1. What ..."), or None."""
    match = _NUMBER.match(line)
    return match.group(1) if match else None


_CONTENTS = re.compile(r"^\s*(?:contents|table of contents|차례|목차)\s*$", re.IGNORECASE)


def contents_lines(text: str, max_gap: int = 3, min_entries: int = 10) -> list[tuple[int, int]]:
    """Return the ``(first, last)`` line ranges (inclusive) of the tables of contents in ``text``.

    A table of contents is a run of lines that start with section numbers, at most ``max_gap``
    other lines between two of them (a wrapped title counts 1, a blank line 2), with at least
    ``min_entries`` numbered lines of which half are sub-sections ("6.1.") -- or, on a page that
    holds little else (a contents page of a PDF), 4 entries and a third of them sub-sections.
    A "Contents" heading just above the run belongs to it; the run ends before its first number
    comes round again (the body's first heading, right after the contents). In the body a
    numbered heading is followed by its answer (a longer gap), and a numbered list
    ("1. ... 2. ...") has no sub-sections: both stay.
    """
    lines = text.split("\n")
    runs: list[list[int]] = []
    gap = max_gap + 1
    for i, line in enumerate(lines):
        if _NUMBERED.match(line):
            if gap > max_gap:
                runs.append([])
            runs[-1].append(i)
            gap = 0
        else:
            gap += 1 if line.strip() else 2  # a blank line ends an entry sooner than a wrap
    found = []
    filled = sum(bool(line.strip()) for line in lines)
    for run in runs:
        number = _section_number(lines[run[0]])
        restart = next(
            (j for j, i in enumerate(run) if j and _section_number(lines[i]) == number), None
        )
        if restart is not None:  # the body starts right after the contents: "1 ..." again
            run = run[:restart]
        subsections = sum(bool(_SUBSECTION.match(lines[i])) for i in run)
        page = len(run) >= 4 and len(run) >= 0.6 * filled and 3 * subsections >= len(run)
        if page or len(run) >= min_entries and 2 * subsections >= len(run):
            first = run[0]
            for j in range(first - 1, max(-1, first - 1 - max_gap), -1):
                if _CONTENTS.match(lines[j]):
                    first = j
                    break
            found.append((first, run[-1]))
    return found


def drop_contents(text: str) -> str:
    """Return ``text`` without its tables of contents (:func:`contents_lines`): a contents
    entry repeats a section's title, so it matches the questions that section answers."""
    lines = text.split("\n")
    for first, last in reversed(contents_lines(text)):
        del lines[first : last + 1]
    return "\n".join(lines)


def _is_running_line(line: str) -> bool:
    """Return True for a page number or an all-capitals running header/footer line."""
    s = line.strip()
    if _PAGE_NUMBER.match(s):
        return True
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 8 and all("A" <= c <= "Z" for c in letters)


def repeated_lines(pages: Iterable[str], min_share: float = 0.5) -> list[str]:
    """Return lines that appear on at least ``min_share`` of the pages (headers, footers)."""
    page_list = list(pages)
    counts = Counter(
        line.strip() for page in page_list for line in set(page.splitlines()) if line.strip()
    )
    cutoff = max(2, int(min_share * len(page_list)))
    return sorted(line for line, n in counts.items() if n >= cutoff)


# --- glued words -----------------------------------------------------------------------------

_LATIN_WORD = re.compile(r"[A-Za-z]+")
#: Runs of this many Latin letters or more count as glued: English has almost no such words.
GLUED_LENGTH = 20


def glued_words(text: str) -> list[str]:
    """Return the runs of 20+ Latin letters in ``text``: almost none in English, many where PDF
    extraction lost the spaces between words ("DebianGNULinuxincludescomplete...")."""
    return [w for w in _LATIN_WORD.findall(text) if len(w) >= GLUED_LENGTH]


def glued_share(text: str) -> float:
    """Return the share of the words of ``text`` that look glued (0.0 for normal text)."""
    words = _LATIN_WORD.findall(text)
    return sum(len(w) >= GLUED_LENGTH for w in words) / max(1, len(words))


# --- loaders --------------------------------------------------------------------------------


@contextmanager
def quiet_pypdf() -> Iterator[None]:
    """Hold back pypdf's log lines and warnings ("EOF marker not found", "invalid pdf header")
    inside the block, then restore its logger: the course reports a broken PDF in one line."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            from pypdf.errors import PdfReadWarning

            warnings.simplefilter("ignore", PdfReadWarning)
            yield
    finally:
        logger.setLevel(level)


def _pdf_pages(path: Path, engine: PdfEngine) -> list[str]:
    """Return the raw text of every page of ``path``, read with ``engine``."""
    name = relative(path)
    if engine == "pdfium":
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as err:
            if "password" in str(err).lower():
                raise CourseDataError(
                    f"{name}: the PDF is encrypted; open it once with its password and save "
                    "an unencrypted copy."
                ) from None
            raise CourseDataError(
                f"{name}: not a readable PDF (corrupt or not a PDF at all); download it again."
            ) from None
        try:
            return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
        finally:
            pdf.close()
    if engine == "pypdf":
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            with quiet_pypdf():
                reader = PdfReader(path)
                if reader.is_encrypted and not reader.decrypt(""):
                    raise CourseDataError(
                        f"{name}: the PDF is encrypted; open it once with its password and save "
                        "an unencrypted copy."
                    )
                return [page.extract_text() or "" for page in reader.pages]
        except (PdfReadError, ValueError, KeyError, TypeError) as err:
            if isinstance(err, CourseDataError):
                raise
            raise CourseDataError(
                f"{name}: not a readable PDF (corrupt or not a PDF at all); download it again."
            ) from None
    raise CourseDataError(f"engine={engine!r} is not a PDF engine: use 'pdfium' or 'pypdf'.")


def pdf_tables(path: str | Path) -> dict[int, list[list[list[str]]]]:
    """Return the ruled tables of a PDF with 2+ columns: ``{page: [table: [row: [cell]]]}``.

    Found by pdfplumber from the lines drawn around the cells (about 0.1 s a page, so the result
    is cached per file content). One-column boxes (code listings) are not tables.
    """
    from helpers.cache import cached_json, file_digest, package_version

    p = _existing_file(path)

    def find() -> dict[str, list[list[list[str]]]]:
        import pdfplumber

        found: dict[str, list[list[list[str]]]] = {}
        with pdfplumber.open(p) as pdf:
            for i, page in enumerate(pdf.pages):
                tables = [
                    [[" ".join((cell or "").split()) for cell in row] for row in table]
                    for table in page.extract_tables()
                    if table and len(table[0]) >= 2 and len(table) >= 2
                ]
                if tables:
                    found[str(i)] = tables
        return found

    inputs = {"file": file_digest(p), "pdfplumber": package_version("pdfplumber")}
    return {int(k): v for k, v in cached_json("pdf-tables", inputs, find).items()}


def render_table_rows(text: str, tables: list[list[list[str]]]) -> str:
    """Return ``text`` with each flattened table row rewritten as one line that names its
    columns ("Tier: Maker; Price: EUR 390 per year; ..."); header lines are dropped.

    Text extraction prints a table row as its cells glued by spaces, which loses the columns
    ("Maker EUR 390 per year 60 a storage bin"); a row that names its columns is a sentence a
    reader (and an embedder) can use.
    """
    lines = text.split("\n")
    squash = [" ".join(line.split()) for line in lines]
    for table in tables:
        head, *rows = table
        try:
            header_at = squash.index(" ".join(" ".join(head).split()))
        except ValueError:
            continue  # not printed as one line: leave the text as it is
        lines[header_at] = squash[header_at] = "\0"
        for row in rows:
            flat = " ".join(" ".join(row).split())
            if flat in squash:
                at = squash.index(flat)
                pairs = [f"{h}: {c}" for h, c in zip(head, row, strict=False) if c]
                lines[at] = squash[at] = "; ".join(pairs) + "."
    return "\n".join(line for line in lines if line != "\0")


def _page_labels(path: Path, count: int) -> list[str]:
    """Return the printed page labels ("iv", "12") of a PDF, or 1-based numbers as text."""
    try:
        from pypdf import PdfReader

        with quiet_pypdf():
            labels = list(PdfReader(path).page_labels)
        if len(labels) == count:
            return labels
    except Exception:  # noqa: BLE001 - labels are a nicety; numbering is the fallback
        pass
    return [str(i + 1) for i in range(count)]


def load_pdf(
    path: str | Path, engine: PdfEngine = "pdfium", clean: bool = True, tables: bool = True
) -> list[Document]:
    """Return one ``Document`` per page with text (metadata: source, page from 0, page_label).

    ``engine="pdfium"`` (pypdfium2) keeps the spaces between words; ``"pypdf"`` is what the
    seed's ``PyPDFLoader`` used and glues the words of some PDFs together (notebook 01).
    With ``clean`` and ``tables``, each row of a ruled table becomes one line that names its
    columns (:func:`render_table_rows`).
    """
    p = _existing_file(path)
    pages = _pdf_pages(p, engine)
    if not any(text.strip() for text in pages):
        raise CourseDataError(
            f"{relative(p)}: the PDF has no text layer (scanned images?); run OCR on it first, "
            "e.g. `ocrmypdf in.pdf out.pdf`."
        )
    labels = _page_labels(p, len(pages))
    found = pdf_tables(p) if clean and tables else {}
    source = relative(p)
    docs = []
    for i, text in enumerate(pages):
        text = clean_page_text(text) if clean else text
        if i in found:
            text = render_table_rows(text, found[i])
        if text.strip():
            meta = {"source": source, "page": i, "page_label": labels[i], "total_pages": len(pages)}
            docs.append(Document(page_content=text, metadata=meta))
    return docs


def load_text(path: str | Path, encoding: str = "utf-8", clean: bool = True) -> list[Document]:
    """Return a text file as one ``Document`` (metadata: source), decoded with ``encoding``;
    with ``clean``, without its table of contents (:func:`drop_contents`)."""
    p = _existing_file(path)
    raw = p.read_bytes()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        hint = ""
        for guess in ("utf-8", "cp949", "utf-16"):
            if guess != encoding:
                try:
                    raw.decode(guess)
                except UnicodeDecodeError:
                    continue
                hint = f" it decodes as {guess!r}:"
                break
        raise CourseDataError(
            f"{relative(p)}: not valid {encoding} text;{hint} pass encoding=... "
            "(Korean Windows files are often 'cp949')."
        ) from None
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if clean:
        text = drop_contents(text)
    if not text.strip():
        raise CourseDataError(f"{relative(p)}: the file holds only white space; copy it again.")
    return [Document(page_content=text, metadata={"source": relative(p)})]


def load_file(path: str | Path) -> list[Document]:
    """Return the ``Document``s of one course file, choosing the loader by its extension."""
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf":
        return load_pdf(path)
    if suffix in (".txt", ".md"):
        return load_text(path)
    raise CourseDataError(f"{path}: no loader for '{suffix}' files; use a .pdf, .txt or .md file.")


def lazy_load_corpus(files: Iterable[str] = CORPUS_FILES) -> Iterator[Document]:
    """Yield the course documents one file at a time (what ``lazy_load()`` does in LangChain)."""
    for name in files:
        yield from load_file(name)


def load_corpus(files: Iterable[str] = CORPUS_FILES) -> list[Document]:
    """Return every document of the course corpus (PDF pages and whole text files)."""
    return list(lazy_load_corpus(files))


# --- chunks ---------------------------------------------------------------------------------


def chunk_id(doc: Document) -> str:
    """Return a stable id for a chunk: a hash of its source, page, start index and text."""
    meta = doc.metadata
    key = f"{meta.get('source')}|{meta.get('page', '')}|{meta.get('start_index', '')}|"
    return hashlib.sha1((key + doc.page_content).encode("utf-8")).hexdigest()[:20]


def split_documents(
    docs: Iterable[Document], chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP
) -> list[Document]:
    """Return ``docs`` split by ``RecursiveCharacterTextSplitter`` with ``start_index`` and
    ``chunk_id`` added to each chunk's metadata."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True
    )
    chunks = splitter.split_documents(list(docs))
    for chunk in chunks:
        chunk.metadata["chunk_id"] = chunk_id(chunk)
        chunk.metadata["lang"] = script_of(chunk.page_content)
    return chunks


_HANGUL = re.compile("[\uac00-\ud7a3]")


def hangul_bigrams(run: str) -> list[str]:
    """Return the overlapping character bigrams of a run of Hangul syllables ("패키지를" ->
    ["패키", "키지", "지를"]), or the run itself when it is one syllable long.

    Korean particles glue onto words ("패키지를", "패키지는"), so whole words rarely match;
    bigrams of the same stem do.
    """
    return [run[i : i + 2] for i in range(max(1, len(run) - 1))]


def script_of(text: str) -> Literal["ko", "en"]:
    """Return "ko" when at least 30 % of the letters of ``text`` are Hangul, else "en"."""
    letters = [c for c in text if c.isalpha()]
    hangul = sum(bool(_HANGUL.match(c)) for c in letters)
    return "ko" if letters and hangul / len(letters) >= 0.3 else "en"


def corpus_chunks(
    chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP
) -> list[Document]:
    """Return the course corpus split into chunks (the seed's 500/50 unless told otherwise)."""
    return split_documents(load_corpus(), chunk_size, chunk_overlap)


# --- questions ------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """Return ``text`` NFKC-normalised, lower-cased, with white space collapsed (for matching)."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def load_questions(path: str | Path = "questions.jsonl") -> list[dict[str, Any]]:
    """Return the evaluation questions (see ``data/README.md`` for the fields)."""
    p = _existing_file(path)
    questions = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                questions.append(json.loads(line))
            except json.JSONDecodeError as err:
                message = f"{relative(p)} line {n}: not valid JSON ({err.msg})."
                raise CourseDataError(message) from None
    return questions
