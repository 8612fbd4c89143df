"""Hangul: which script a text is written in, and Korean cut into character bigrams.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

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


def normalize(text: str) -> str:
    """Return ``text`` NFKC-normalised, lower-cased, with white space collapsed (for matching)."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())
