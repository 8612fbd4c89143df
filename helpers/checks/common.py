"""What every exercise check shares: the verdict line, and how an unanswered cell is told apart.
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
