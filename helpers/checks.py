"""Self-checks for the exercises: they say what is wrong, never what the answer is.

A check prints one line (✅, ❌ or ✏️) and returns nothing; it never raises, so a notebook whose
exercises are still blank runs top to bottom (and nbval can compare its outputs). Each notebook's
checks are in its own section below, named ``check_<what>``.
"""

from __future__ import annotations

from typing import Any

TODO = "✏️  Not answered yet: fill in the cell above, then run this check again."


def unanswered(value: Any) -> bool:
    """Return True when an exercise variable still holds its placeholder (``...`` or None)."""
    return value is ... or value is None


def report(ok: bool, success: str, hint: str) -> None:
    """Print ``✅ success`` or ``❌ hint``."""
    print(f"✅ {success}" if ok else f"❌ {hint}")


def check_mode_line(line: Any) -> None:
    """Notebook 00: the learner prints the active mode with ``get_settings().describe()``."""
    if unanswered(line):
        print(TODO)
        return
    text = str(line)
    report(
        text.startswith("mode: "),
        "That is the line every notebook prints to say which mode it runs in.",
        "Expected the text returned by get_settings().describe(), which starts with 'mode: '.",
    )


# --- 01 loaders -----------------------------------------------------------------------------


def check_page_count(count: Any) -> None:
    """Notebook 01: the number of handbook pages that hold text, from a loader."""
    if unanswered(count):
        print(TODO)
        return
    from helpers.corpus import load_pdf

    expected = len(load_pdf("tidewell/handbook.pdf"))
    if not isinstance(count, int):
        report(False, "", f"Expected a whole number (int), got {type(count).__name__}.")
        return
    hint = "Too many: " if count > expected else "Too few: "
    report(
        count == expected,
        "Right: one Document per page that has text.",
        hint + "count the Documents a PDF loader returns for data/tidewell/handbook.pdf.",
    )


def check_korean_notice(docs: Any) -> None:
    """Notebook 01: the cp949 sample loaded into Documents with readable Korean."""
    if unanswered(docs):
        print(TODO)
        return
    if not isinstance(docs, list) or not docs or not hasattr(docs[0], "page_content"):
        report(False, "", "Expected a list of Documents, as load_text returns.")
    text = docs[0].page_content
    report(
        text.startswith("타이드웰"),
        "Readable Korean: the bytes were decoded with the encoding they were written in.",
        "The text does not start with Hangul: which encoding did the error message suggest?",
    )


def check_running_header(line: Any) -> None:
    """Notebook 01: the running header line repeated on the handbook's pages."""
    if unanswered(line):
        print(TODO)
        return
    from helpers.corpus import load_pdf, repeated_lines

    pages = [d.page_content for d in load_pdf("tidewell/handbook.pdf", clean=False)]
    report(
        isinstance(line, str) and line.strip() in repeated_lines(pages),
        "That line repeats on the pages: a running header that cleaning should remove.",
        "Not a line repeated on most pages: try repeated_lines() on the raw (clean=False) pages.",
    )

# --- 02 splitters ---------------------------------------------------------------------------

# --- 03 embeddings --------------------------------------------------------------------------

# --- 04 chroma ------------------------------------------------------------------------------

# --- 05 retrievers --------------------------------------------------------------------------

# --- 06 chain -------------------------------------------------------------------------------

# --- 07 paper -------------------------------------------------------------------------------

# --- 08 evaluation --------------------------------------------------------------------------
