"""The Korean edition (notebooks/ko/), built from the English notebooks and one translation file
each.

A translation file, ``notebooks/ko/translations/NN_name.md``, holds one entry per markdown cell of
the English notebook::

    <!-- cell c03 en 1a2b3c4d5e6f -->
    (the Korean text of cell c03)

``c03`` is the cell's id and ``1a2b3c4d5e6f`` the first 12 hex digits of the SHA-256 of the English
source that the text translates. When an English cell changes, its hash no longer matches: the
translation is stale until someone updates the text and the hash.

    python scripts/korean.py skeleton [NN ...]  add entries for cells that have none (English text)
    python scripts/korean.py build [NN ...]     write notebooks/ko/*.ipynb (code and outputs copied)
    python scripts/korean.py check              exit 1, naming the cells, if anything is stale,
                                                missing or untranslated, or a Korean notebook
                                                differs from what build writes (outputs aside)

The Korean notebooks share every code cell with the English ones, character for character, except
one line in the set-up cell that sets ``RAG_COURSE_LANG=ko``. ``make notebooks`` re-executes them,
so their outputs are real (the exercise checks and data errors speak Korean there).
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ROOT / "notebooks"
KOREAN = ENGLISH / "ko"
TRANSLATIONS = KOREAN / "translations"
ENTRY = re.compile(r"^<!-- cell (?P<id>\S+) en (?P<hash>[0-9a-f]{12}) -->$", re.MULTILINE)
HEADER = (
    "<!-- Korean text of notebooks/{name}, one entry per markdown cell: see scripts/korean.py -->"
)
LANG_LINE = 'os.environ["RAG_COURSE_LANG"] = "ko"  # 이 노트북의 메시지는 한국어로'
SWITCH_EN = re.compile(r" &nbsp; \*\*English\*\* · \[한국어\]\(ko/[^)]+\)")
HANGUL = re.compile("[\uac00-\ud7a3]")


def digest(text: str) -> str:
    """Return the 12-hex-digit hash that ties a translation to the English text it translates."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def english_notebooks(numbers: list[str] | None = None) -> list[Path]:
    """Return the English notebooks, all or those whose names start with the given numbers."""
    paths = sorted(ENGLISH.glob("[0-9][0-9]_*.ipynb"))
    return [p for p in paths if not numbers or p.name[:2] in numbers]


def translation_path(english: Path) -> Path:
    """Return the translation file of an English notebook."""
    return TRANSLATIONS / english.with_suffix(".md").name


def read_translations(path: Path) -> dict[str, tuple[str, str]]:
    """Return {cell id: (hash of the English source, Korean text)} from a translation file."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    marks = list(ENTRY.finditer(text))
    entries = {}
    for mark, after in zip(marks, [*marks[1:], None], strict=True):
        body = text[mark.end() : after.start() if after else len(text)]
        entries[mark["id"]] = (mark["hash"], body.strip("\n"))
    return entries


def write_translations(path: Path, english: Path, entries: dict[str, tuple[str, str]]) -> None:
    """Write a translation file, its entries in the order of the English notebook's cells."""
    order = [c.id for c in nbformat.read(english, as_version=4).cells if c.cell_type == "markdown"]
    ids = [i for i in order if i in entries] + sorted(set(entries) - set(order))
    parts = [HEADER.format(name=english.name)]
    for cell_id in ids:
        sha, text = entries[cell_id]
        parts.append(f"<!-- cell {cell_id} en {sha} -->\n{text}")
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def skeleton(english: Path) -> int:
    """Add an entry holding the English text for every markdown cell that has none."""
    path = translation_path(english)
    entries = read_translations(path)
    added = 0
    for cell in nbformat.read(english, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.id not in entries:
            entries[cell.id] = (digest(cell.source), cell.source)
            added += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    write_translations(path, english, entries)
    return added


FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
BACKTICKS = re.compile(r"`[^`]+`")


def translation_problems(english: Path) -> list[str]:
    """Return one line per problem of a notebook's translation file (empty when all is well)."""
    name = translation_path(english).relative_to(ROOT)
    entries = read_translations(translation_path(english))
    problems = []
    markdown = [c for c in nbformat.read(english, as_version=4).cells if c.cell_type == "markdown"]
    for cell in markdown:
        if cell.id not in entries:
            problems.append(f"{name}: cell {cell.id} has no translation (run: skeleton)")
            continue
        sha, text = entries[cell.id]
        where = f"{name}: cell {cell.id}"
        if sha != digest(cell.source):
            problems.append(
                f"{where} is stale: the English cell changed since it was translated "
                f"(update the text, then its hash to {digest(cell.source)})"
            )
        if text.strip() == cell.source.strip() and re.search("[A-Za-z]{3}", FENCE.sub("", text)):
            problems.append(f"{where} is not translated (it still holds the English text)")
            continue
        if FENCE.findall(text) != FENCE.findall(cell.source):
            problems.append(f"{where}: its code blocks differ from the English ones")
        missing = sorted(
            set(BACKTICKS.findall(FENCE.sub("", cell.source)))
            - set(BACKTICKS.findall(FENCE.sub("", text)))
        )
        if missing:
            problems.append(f"{where}: inline code missing or changed: {', '.join(missing[:4])}")
        numbers = sorted(
            set(NUMBER.findall(FENCE.sub("", cell.source)))
            - set(NUMBER.findall(FENCE.sub("", text)))
        )
        if numbers:
            problems.append(f"{where}: numbers of the English missing: {', '.join(numbers[:6])}")
    extra = sorted(set(entries) - {c.id for c in markdown})
    problems += [f"{name}: cell {i} is no markdown cell of {english.name}" for i in extra]
    return problems


def main() -> int:
    """Run one of the commands above."""
    command, *numbers = sys.argv[1:] or ["check"]
    if command == "skeleton":
        for english in english_notebooks(numbers):
            print(
                f"{translation_path(english).relative_to(ROOT)}: {skeleton(english)} entries added"
            )
        return 0
    if command == "check":
        problems = [
            p for english in english_notebooks(numbers) for p in translation_problems(english)
        ]
        print("\n".join(problems) or "Korean edition: every translation is current")
        return 1 if problems else 0
    raise SystemExit(f"unknown command {command!r}: use skeleton, build or check")


if __name__ == "__main__":
    sys.exit(main())
