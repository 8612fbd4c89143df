"""The language of what a learner reads from the course: English, or Korean in the Korean edition.

``RAG_COURSE_LANG`` is ``en`` (the default) or ``ko``; the set-up cell of every Korean notebook
sets it to ``ko``. The exercise checks and the one-line data and Gemini errors write both texts
and :func:`say` picks one; code, printed figures and library output stay as they are.
"""

from __future__ import annotations

import os

LANGUAGES = ("en", "ko")


def language() -> str:
    """Return the learner's language, read at every call (a notebook may set it after import)."""
    value = os.environ.get("RAG_COURSE_LANG", "en").strip().lower()
    return value if value in LANGUAGES else "en"


def say(en: str, ko: str) -> str:
    """Return ``ko`` when the learner's language is Korean, else ``en``."""
    return ko if language() == "ko" else en
