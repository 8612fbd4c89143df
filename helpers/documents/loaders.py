"""Loaders (notebook 01): PDFs (PDFium, cleaned, tables as rows), text files in any encoding,
the whole corpus; each bad file raises one :class:`~helpers.documents.files.CourseDataError` line.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from langchain_core.documents import Document

from helpers.documents.cleaning import clean_page_text, drop_contents
from helpers.documents.files import CORPUS_FILES, CourseDataError, data_path, relative
from helpers.lang import say

PdfEngine = Literal["pdfium", "pypdf"]


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


def _encrypted(name: str) -> str:
    return say(
        f"{name}: the PDF is encrypted; open it once with its password and save "
        "an unencrypted copy.",
        f"{name}: 암호화된 PDF입니다; 암호로 한 번 연 뒤 암호 없는 사본으로 저장하세요.",
    )


def _unreadable(name: str) -> str:
    return say(
        f"{name}: not a readable PDF (corrupt or not a PDF at all); download it again.",
        f"{name}: 읽을 수 있는 PDF가 아닙니다(손상되었거나 PDF가 아님); 다시 내려받으세요.",
    )


def _pdf_pages(path: Path, engine: PdfEngine) -> list[str]:
    """Return the raw text of every page of ``path``, read with ``engine``."""
    name = relative(path)
    if engine == "pdfium":
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as err:
            if "password" in str(err).lower():
                raise CourseDataError(_encrypted(name)) from None
            raise CourseDataError(_unreadable(name)) from None
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
                    raise CourseDataError(_encrypted(name))
                return [page.extract_text() or "" for page in reader.pages]
        except (PdfReadError, ValueError, KeyError, TypeError) as err:
            if isinstance(err, CourseDataError):
                raise
            raise CourseDataError(_unreadable(name)) from None
    raise CourseDataError(say(
        f"engine={engine!r} is not a PDF engine: use 'pdfium' or 'pypdf'.",
        f"engine={engine!r}은(는) PDF 엔진이 아닙니다: 'pdfium'이나 'pypdf'를 쓰세요.",
    ))


def pdf_tables(path: str | Path) -> dict[int, list[list[list[str]]]]:
    """Return the ruled tables of a PDF with 2+ columns: ``{page: [table: [row: [cell]]]}``.

    Found by pdfplumber from the lines drawn around the cells (about 0.1 s a page, so the result
    is cached per file content). One-column boxes (code listings) are not tables.
    """
    from helpers.cache import cached_json, file_digest, package_version

    p = existing_file(path)

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
    p = existing_file(path)
    pages = _pdf_pages(p, engine)
    if not any(text.strip() for text in pages):
        raise CourseDataError(say(
            f"{relative(p)}: the PDF has no text layer (scanned images?); run OCR on it first, "
            "e.g. `ocrmypdf in.pdf out.pdf`.",
            f"{relative(p)}: PDF에 텍스트 레이어가 없습니다(스캔한 이미지인가요?): 먼저 OCR을 "
            "실행하세요. 예: `ocrmypdf in.pdf out.pdf`.",
        ))
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
    p = existing_file(path)
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
                hint = guess
                break
        raise CourseDataError(say(
            f"{relative(p)}: not valid {encoding} text;"
            + (f" it decodes as {hint!r}:" if hint else "")
            + " pass encoding=... (Korean Windows files are often 'cp949').",
            f"{relative(p)}: 올바른 {encoding} 텍스트가 아닙니다;"
            + (f" {hint!r}(으)로는 읽힙니다:" if hint else "")
            + " encoding=...을 넘기세요(한국어 Windows 파일은 흔히 'cp949'입니다).",
        )) from None
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if clean:
        text = drop_contents(text)
    if not text.strip():
        raise CourseDataError(say(f"{relative(p)}: the file holds only white space; copy it again.",
                                  f"{relative(p)}: 파일에 공백만 있습니다; 다시 복사하세요."))
    return [Document(page_content=text, metadata={"source": relative(p)})]


def load_file(path: str | Path) -> list[Document]:
    """Return the ``Document``s of one course file, choosing the loader by its extension."""
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf":
        return load_pdf(path)
    if suffix in (".txt", ".md"):
        return load_text(path)
    raise CourseDataError(say(
        f"{path}: no loader for '{suffix}' files; use a .pdf, .txt or .md file.",
        f"{path}: '{suffix}' 파일을 읽는 로더가 없습니다; .pdf, .txt, .md 파일을 쓰세요.",
    ))


def lazy_load_corpus(files: Iterable[str] = CORPUS_FILES) -> Iterator[Document]:
    """Yield the course documents one file at a time (what ``lazy_load()`` does in LangChain)."""
    for name in files:
        yield from load_file(name)


def load_corpus(files: Iterable[str] = CORPUS_FILES) -> list[Document]:
    """Return every document of the course corpus (PDF pages and whole text files)."""
    return list(lazy_load_corpus(files))


def existing_file(path: str | Path) -> Path:
    """Return ``path`` as a data path after checking that it exists and is not empty."""
    p = data_path(path)
    if not p.is_file():
        raise CourseDataError(say(
            f"{relative(p)}: no such file; check the name (see data/README.md).",
            f"{relative(p)}: 그런 파일이 없습니다; 이름을 확인하세요(data/README.md 참고).",
        ))
    if p.stat().st_size == 0:
        raise CourseDataError(say(f"{relative(p)}: the file is empty (0 bytes); copy it again.",
                                  f"{relative(p)}: 빈 파일입니다(0바이트); 다시 복사하세요."))
    return p
