"""The course's question set (``data/questions.jsonl``): loaded, and split into dev and test.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpers.documents.files import CourseDataError, relative
from helpers.documents.loaders import existing_file
from helpers.lang import say


def load_questions(path: str | Path = "questions.jsonl") -> list[dict[str, Any]]:
    """Return the evaluation questions (see ``data/README.md`` for the fields)."""
    p = existing_file(path)
    questions = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                questions.append(json.loads(line))
            except json.JSONDecodeError as err:
                message = say(f"{relative(p)} line {n}: not valid JSON ({err.msg}).",
                              f"{relative(p)} {n}번째 줄: 올바른 JSON이 아닙니다({err.msg}).")
                raise CourseDataError(message) from None
    return questions


def split_questions(
    questions: Iterable[dict[str, Any]], split: str, lang: str | None = None
) -> list[dict[str, Any]]:
    """Return the answerable questions of ``split`` ("dev"/"test"), of one language if given."""
    return [
        q
        for q in questions
        if q["answerable"] and q.get("split") == split and (lang is None or q["lang"] == lang)
    ]
