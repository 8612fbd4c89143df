"""What every exercise check shares: the verdict line, and how an unanswered cell is told apart.
"""

from __future__ import annotations

from typing import Any

from helpers.lang import say

TODO_EN = "✏️  Not answered yet: fill in the cell above, then run this check again."
TODO_KO = "✏️  아직 답하지 않았습니다: 위 셀을 채운 뒤 이 확인을 다시 실행하세요."


def todo() -> str:
    """Return the line a check prints for an unanswered exercise, in the learner's language."""
    return say(TODO_EN, TODO_KO)


def unanswered(value: Any) -> bool:
    """Return True when an exercise variable still holds its placeholder (``...`` or None)."""
    return value is ... or value is None


def report(ok: bool, success: str, hint: str) -> None:
    """Print ``✅ success`` or ``❌ hint`` (each already in the learner's language: :func:`say`)."""
    print(f"✅ {success}" if ok else f"❌ {hint}")


def whole_number(value: Any, expected_en: str, expected_ko: str) -> bool:
    """Return True when ``value`` is a whole number; else print the unanswered line or the hint
    "Expected a whole number: <expected>" and return False (the check then stops)."""
    import numbers

    if unanswered(value):
        print(todo())
        return False
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        report(False, "", say(f"Expected a whole number: {expected_en}",
                              f"정수가 필요합니다: {expected_ko}"))
        return False
    return True
