"""The extractive reader's raw material (notebook 09): the prompt's context cut into candidate
sentences (units) with their section heading and the sentence before them, their terms, and the
answer types a question asks for. :mod:`helpers.models.reader` scores them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpers.documents.hangul import hangul_bigrams

_STOPWORDS = frozenset(
    """a an the of to in on at for by with from and or not no is are was were be been being do
    does did can could should would will shall may might must i you he she it we they my your
    its our their this that these those what which who whom whose when where why how there here
    about into than then so if as any some all more most much many one also just only very
    have has had get got use used using please tell me mean means way happen happens""".split()
)


# Korean question endings and particles: bigrams that say nothing about the topic.
_KO_STOP = frozenset(
    "나요 인가 가요 는가 습니 니까 있나 하나 되나 "
    "무엇 엇인 어떤 어디 언제 누가 얼마 마인 려면".split()
)


_TAG = re.compile(r"^[ \t]*\[(?P<label>[^\[\]\n]*[^\W\d_][^\[\]\n]*)\][ \t]*$", re.MULTILINE)


_QUESTION = re.compile(r"(?:question|질문)\s*[:：]", re.IGNORECASE)


_CLOSING = re.compile(r"^[ \t]*</\w+>[ \t]*$", re.MULTILINE)


_HANGUL = re.compile(r"[\uac00-\ud7a3]")


_HEADING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.)\s+\S")


_ROW = re.compile(r"^[^:;]{1,40}: [^;]+(?:; [^:;]{1,40}: [^;]+)+\.$")  # "Tier: Maker; Price: ..."


_END = re.compile(r"[.!?。)\"']$")


_ABBREV = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|St|No|vs|etc|cf|e\.g|i\.e|approx)|\b[A-Z])\.$")


CONTINUES = re.compile(r"^(?:After that|It|This|They|These|That|Then|There|Its|그|이것|이때)\b")


_TYPES = {  # question pattern -> what an answer of that type contains
    "price": (
        re.compile(r"\bhow much\b|\bcost|\bprice|\bfee\b|\bpay\b|얼마|비용|가격|요금|참가비"),
        re.compile(r"\bEUR\b|€|\beuros?\b|\d\s*유로|\bfree\b|무료", re.IGNORECASE),
    ),
    "time": (
        re.compile(r"^when\b|\bwhen\b|what time|which day|how long|how often|언제|몇 시|요일"),
        re.compile(
            r"\d{1,2}:\d{2}|\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b|\b(?:january|"
            r"february|march|april|may|june|july|august|september|october|november|december)\b|"
            r"\b(?:1[89]|20)\d\d\b|\b(?:minutes?|hours?|days?|weeks?|months?|years?)\b|\bnights?\b|"
            r"\btimes\b|오전|오후|저녁|\d+시|요일|매달|매주|\d+년",
            re.IGNORECASE,
        ),
    ),
    "person": (
        re.compile(r"^who\b|\bwhom?\b|누가|누구"),
        re.compile(r"\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+)+\b|회원|씨"),
    ),
    "command": (
        re.compile(r"\b(?:which|what) (?:\w+ )?(?:command|package|program|tool|file|list|port)s?\b"
                   r"|어떤 (?:명령|패키지|도구|프로그램)|무엇을 (?:설치|쓰)"),
        re.compile(r"\b[a-z0-9]+(?:[-_.][a-z0-9]+)+\b|--?\w+|/\w+/"),
    ),
    "number": (
        re.compile(r"\bhow (?:many|big|large|powerful|far)\b|\bbiggest\b|몇|얼마나"),
        re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twice)\b"),
    ),
}


#: The same table, public: notebook 09 writes the sentence scoring with it.
ANSWER_TYPES = _TYPES


@dataclass(frozen=True)
class Unit:
    """One answer candidate: a sentence (or table row) of a chunk, its label and chunk rank."""

    text: str
    label: str
    rank: int
    index: int  # position within its chunk
    fragment: bool  # cut by a chunk boundary, or too short to stand alone
    section: str = ""  # the heading or FAQ question above it in the chunk


def _stem(word: str) -> str:
    """Return a crude stem: common English endings dropped, then the first 6 letters."""
    for ending in ("ing", "ed", "es", "s"):
        if len(word) > len(ending) + 3 and word.endswith(ending):
            word = word[: -len(ending)]
            break
    return word[:6]


def terms(text: str) -> list[str]:
    """Return the content terms of ``text``: lower-cased word stems without stop words, plus
    character bigrams of Hangul runs (Korean particles defeat whole-word matching)."""
    out: list[str] = []
    for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9'\-/.]*[A-Za-z0-9]|[A-Za-z0-9]|[\uac00-\ud7a3]+",
                           text.lower()):
        if "\uac00" <= word[0] <= "\ud7a3":
            grams = hangul_bigrams(word)
            out.extend(g for g in grams if g not in _KO_STOP)
        elif word not in _STOPWORDS and (len(word) > 1 or word.isdigit()):
            out.append(word if any(c.isdigit() for c in word) else _stem(word))
    return out


def split_blocks(prompt: str) -> tuple[list[tuple[str, str]], str]:
    """Return the ``(label, text)`` chunks of a prompt and its question."""
    marks = list(_TAG.finditer(prompt))
    asks = list(_QUESTION.finditer(prompt))
    end = len(prompt)
    question = ""
    if asks:
        after = asks[-1].end()
        later = [m.start() for m in marks if m.start() >= after]
        question = prompt[after : later[0] if later else len(prompt)].strip().split("\n\n")[0]
        if not later and (not marks or asks[-1].start() > marks[-1].end()):
            end = asks[-1].start()
    closing = [m.start() for m in _CLOSING.finditer(prompt)
               if marks and m.start() > marks[-1].end()]
    end = min([end, *closing])
    if not question:
        lines = prompt[: marks[0].start() if marks else end].split("\n")
        tail = [line for line in prompt[end:].split("\n") if line.strip()]
        if not asks and marks and not tail:  # the question is the prompt's last line
            body = prompt[:end].rstrip()
            cut = body.rfind("\n")
            if cut > marks[-1].end():
                question, end = body[cut:].strip(), cut
        else:
            candidates = tail or [line for line in lines if line.strip()]
            question = candidates[-1].strip() if candidates else ""
    blocks = []
    for i, mark in enumerate(marks):
        stop = marks[i + 1].start() if i + 1 < len(marks) else end
        blocks.append((mark.group("label").strip(), prompt[mark.end() : stop].strip()))
    return blocks, " ".join(question.split())


def split_prompt(prompt: str) -> tuple[str, str]:
    """Return ``(context, question)`` of any prompt: the ``[source]``-tagged chunks as one string
    (empty when there are none) and the question after the last "Question:" (else the last line)."""
    blocks, question = split_blocks(prompt)
    return "\n\n".join(f"[{label}]\n{text}" for label, text in blocks), question


def _sentences(paragraph: str) -> list[str]:
    """Return the sentences of one paragraph (ends: ``. ! ?`` before a non-lowercase start)."""
    pieces: list[str] = []
    for piece in re.split(r"(?<=[.!?。])\s+(?=[^a-z\s])", paragraph):
        if pieces and _ABBREV.search(pieces[-1]):
            pieces[-1] += " " + piece
        else:
            pieces.append(piece)
    return [p.strip() for p in pieces if p.strip()]


def chunk_units(text: str) -> list[tuple[str, bool, str]]:
    """Return the ``(sentence, is_fragment, section)`` units of one chunk, in order; ``section``
    is the heading (or FAQ question) the sentence stands under, when the chunk shows it.

    Lines wrapped inside a paragraph are joined; a short line (a heading, a table row) ends its
    unit. A table row rendered as "Column: cell; Column: cell." is one unit; a flattened row
    ("Maker EUR 390 per year 60 a storage bin") under a header line keeps the header with it.
    Headings and questions (sentences ending in "?") are not units: they answer nothing.
    """
    lines = [" ".join(line.split()) for line in text.split("\n")]
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[tuple[str, str]] = []  # (kind, text): kind is prose, line or row
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            paragraphs.append(("prose", " ".join(buffer)))
            buffer.clear()

    for line in lines:
        if line.startswith(("• ", "* ", "- ", "– ")):
            flush()  # a list item starts a new unit
            line = line[2:]
        if not line:
            flush()
        elif _ROW.match(line) or (_HEADING.match(line) and not _END.search(line)):
            flush()
            paragraphs.append(("row" if _ROW.match(line) else "heading", line))
        elif len(line) < 0.6 * width and not _END.search(line) and not buffer:
            paragraphs.append(("line", line))  # a short line on its own: heading or flat row
        else:
            buffer.append(line)
            if len(line) < 0.6 * width and not line.endswith((",", "-", ";", ":")):
                flush()
    flush()
    units: list[tuple[str, bool, str]] = []
    header = section = ""
    for i, (kind, body) in enumerate(paragraphs):
        if kind == "line":
            next_is_line = i + 1 < len(paragraphs) and paragraphs[i + 1][0] == "line"
            if not header and next_is_line and re.fullmatch(r"[A-Za-z ]{3,40}", body):
                header = body  # the header line of a flattened table
                continue
            if header and len(body) < 80:
                units.append((f"{body} (columns: {header})", False, section))
                continue
        header = ""
        if kind in ("heading", "line"):
            section = body
            continue
        if kind == "row":
            units.append((body, False, section))
            continue
        for sentence in _sentences(body):
            if sentence.endswith("?") or sentence.endswith("?)"):
                section = sentence
                continue
            if not re.search(r"[^\W\d_]", sentence):
                continue  # "5.9." and other numbering
            words = len(sentence.split())
            short = words < 4 and not _HANGUL.search(sentence) or len(sentence) < 8
            cut = sentence[0].islower() or not _END.search(sentence)
            units.append((sentence, short or cut, section))
    return units


def _is_row(text: str) -> bool:
    """Return True for a table row: "Column: cell; ..." or a flattened row under its header."""
    return bool(_ROW.match(text)) or text.endswith(")") and " (columns: " in text


#: The same test, public: notebook 09 writes the sentence scoring with it.
is_row = _is_row


def prompt_units(blocks: list[tuple[str, str]]) -> list[Unit]:
    """Return the answer candidates of the ``(label, text)`` chunks, in prompt order.

    A sentence cut in two by a chunk boundary is also offered whole: a chunk that starts in
    mid-sentence (lower case) is joined to the one chunk of the same source that ends without
    a full stop (the splitter's overlap, when there is one, is not repeated).
    """
    units = [
        Unit(text, label, rank, i, frag, section)
        for rank, (label, body) in enumerate(blocks)
        for i, (text, frag, section) in enumerate(chunk_units(body))
    ]
    heads = [u for u in units if u.index == 0 and u.text[0].islower()]
    last = {u.rank: u for u in units}
    for head in heads:
        tails = [
            t for t in last.values()
            if t.label == head.label and t.rank != head.rank and not _END.search(t.text)
        ]
        if len(tails) == 1:
            tail, text = tails[0], head.text
            for n in range(min(len(tail.text), len(text), 60), 9, -1):  # splitter overlap
                if tail.text.endswith(text[:n]):
                    text = text[n:].lstrip()
                    break
            joined = f"{tail.text} {text}"
            unit = Unit(joined, head.label, min(head.rank, tail.rank), -1, False, tail.section)
            units.append(unit)
    return units
