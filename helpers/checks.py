"""Self-checks for the exercises: they say what is wrong, never what the answer is.

A check prints one line and returns True or False; it never raises, so a notebook whose
exercises are still blank runs top to bottom (and nbval can compare its outputs). Each notebook's
checks are in its own section below, named ``check_<what>``.
"""

from __future__ import annotations

from typing import Any

TODO = "✏️  Not answered yet: fill in the cell above, then run this check again."


def unanswered(value: Any) -> bool:
    """Return True when an exercise variable still holds its placeholder (``...`` or None)."""
    return value is ... or value is None


def report(ok: bool, success: str, hint: str) -> bool:
    """Print ``✅ success`` or ``❌ hint`` and return ``ok``."""
    print(f"✅ {success}" if ok else f"❌ {hint}")
    return ok


def check_mode_line(line: Any) -> bool:
    """Notebook 00: the learner prints the active mode with ``get_settings().describe()``."""
    if unanswered(line):
        print(TODO)
        return False
    text = str(line)
    return report(
        text.startswith("mode: "),
        "That is the line every notebook prints to say which mode it runs in.",
        "Expected the text returned by get_settings().describe(), which starts with 'mode: '.",
    )


# --- 01 loaders -----------------------------------------------------------------------------

# --- 02 splitters ---------------------------------------------------------------------------

# --- 03 embeddings --------------------------------------------------------------------------

# --- 04 chroma ------------------------------------------------------------------------------

# --- 05 retrievers --------------------------------------------------------------------------

# --- 06 chain -------------------------------------------------------------------------------

# --- 07 paper -------------------------------------------------------------------------------

# --- 08 evaluation --------------------------------------------------------------------------
