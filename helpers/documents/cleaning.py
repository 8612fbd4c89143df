"""PDF text cleaning (notebooks 01-02): page numbers, hyphenation, tables of contents,
running headers, and the glued-word detector of notebook 01.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

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
