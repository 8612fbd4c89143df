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


KO_SWITCH = " &nbsp; [English](../{name}) · **한국어**"
COLAB = re.compile(r"(https://colab\.research\.google\.com/github/[^)]*?/notebooks/)(\d\d_[^)/]+\.ipynb)")
README_LINK = re.compile(r"\]\(\.\./README\.md\)")


def korean_markdown(english: nbformat.NotebookNode, text: str, first: bool, name: str) -> str:
    """Return a translated cell as the Korean notebook shows it: the title cell's badge points at
    the Korean notebook and its switch line at the English one; README links at README.ko.md."""
    if first:
        text = COLAB.sub(lambda m: f"{m[1]}ko/{m[2]}", text)
        text = SWITCH_EN.sub(KO_SWITCH.format(name=name), text)
    return README_LINK.sub("](../../README.ko.md)", text)


def korean_setup(source: str) -> str:
    """Return the set-up cell with the one line that sets the learner's language to Korean."""
    anchor = "from importlib import invalidate_caches, metadata\n"
    if anchor not in source:
        raise ValueError("the set-up cell has changed: put LANG_LINE after its imports")
    return source.replace(anchor, anchor + "\n" + LANG_LINE + "\n", 1)


def build_notebook(english: Path) -> nbformat.NotebookNode:
    """Return the Korean notebook of ``english``: translated markdown, the same code (the set-up
    cell plus its language line), and outputs kept from the existing Korean notebook where the code
    is unchanged (``make notebooks`` refreshes them), else the English outputs."""
    import copy

    nb = nbformat.read(english, as_version=4)
    entries = read_translations(translation_path(english))
    target = KOREAN / english.name
    before = {}
    if target.exists():
        before = {c.id: c for c in nbformat.read(target, as_version=4).cells}
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    out = copy.deepcopy(nb)
    for i, cell in enumerate(out.cells):
        if cell.cell_type == "markdown":
            text = entries.get(cell.id, ("", cell.source))[1]
            cell.source = korean_markdown(nb, text, i == 0, english.name)
        elif cell.cell_type == "code":
            if i == first_code:
                cell.source = korean_setup(cell.source)
            old = before.get(cell.id)
            if old is not None and old.cell_type == "code" and old.source == cell.source:
                cell.outputs = old.outputs
                cell.execution_count = old.execution_count
    return out


def build(english: Path) -> Path:
    """Write the Korean notebook of ``english`` and return its path."""
    target = KOREAN / english.name
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(english), target)
    return target


def notebook_problems(english: Path) -> list[str]:
    """Return one line per cell where the committed Korean notebook differs from what
    :func:`build` writes (outputs aside), or one line if it is missing."""
    target = KOREAN / english.name
    name = target.relative_to(ROOT)
    if not target.exists():
        return [f"{name}: missing (run: python scripts/korean.py build)"]
    want = build_notebook(english).cells
    have = nbformat.read(target, as_version=4).cells
    if [(c.id, c.cell_type) for c in want] != [(c.id, c.cell_type) for c in have]:
        return [f"{name}: its cells are not those of {english.name} (run: build)"]
    problems = []
    for w, h in zip(want, have, strict=True):
        if w.source != h.source:
            kind = "code differs from the English" if w.cell_type == "code" else "markdown differs"
            problems.append(f"{name}: cell {w.id}: {kind} (run: build)")
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
    if command == "build":
        for english in english_notebooks(numbers):
            print(build(english).relative_to(ROOT))
        return 0
    if command == "check":
        problems = [
            p
            for english in english_notebooks(numbers)
            for p in translation_problems(english) + notebook_problems(english)
        ]
        print("\n".join(problems) or "Korean edition: every translation is current")
        return 1 if problems else 0
    raise SystemExit(f"unknown command {command!r}: use skeleton, build or check")


if __name__ == "__main__":
    sys.exit(main())
