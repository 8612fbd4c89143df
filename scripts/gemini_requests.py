"""Count the Gemini requests each notebook makes online, on a first run and on a re-run.

Runs every notebook that builds a Gemini chat model in online mode against the loopback Gemini
stand-in of ``tests/gemini_standin.py`` (the real ``ChatGoogleGenerativeAI`` client, a made-up
key, no network), twice, and prints a table: requests on the first run (an empty answer cache,
as if the notebook were the first a learner opens) and on the re-run (every answer cached: 0).
The notebooks are executed in memory; nothing is written to them. Rate limiting is switched off
(``RAG_COURSE_GEMINI_RPM=6000``) so that the count takes minutes, not the free tier's hours; the
answer cache of the stand-in is removed afterwards.

Usage: ``python scripts/gemini_requests.py [notebooks/NN_name.ipynb ...]`` (default: every
notebook that calls Gemini). ``tests/test_online_notebooks.py`` asserts the same figures.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from run_notebooks import run  # noqa: E402  (scripts/, beside this file)

from tests.gemini_standin import FAKE_KEY, FakeGemini  # noqa: E402

#: The default budget of one notebook, in Gemini requests (README, issue 27).
BUDGET = 15
#: What makes a notebook call Gemini: it builds the course's chat model or Gemini itself, or the
#: playground (which answers with the course chain).
CALLS_GEMINI = re.compile(r"get_chat_model\(|course_chain\(\)|chat_model\(|Playground\(")


def gemini_notebooks() -> list[Path]:
    """Return the numbered notebooks whose code builds a Gemini chat model (in the online mode)."""
    found = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        if CALLS_GEMINI.search(code):
            found.append(path)
    return found


@contextmanager
def online_against(server: FakeGemini) -> Iterator[None]:
    """Set the environment of the kernels started inside: online, at the stand-in, unpaced."""
    saved = dict(os.environ)
    os.environ.pop("GEMINI_API_KEY", None)
    os.environ.update(
        GOOGLE_API_KEY=FAKE_KEY,
        RAG_COURSE_MODE="online",
        RAG_COURSE_GEMINI_BASE_URL=server.url,
        RAG_COURSE_GEMINI_RPM="6000",
        HF_HUB_OFFLINE="1",
    )
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def count(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """Return ``{notebook: (requests on a first run, requests on a re-run)}``."""
    from helpers.settings import get_settings

    server = FakeGemini(200)
    counts: dict[str, tuple[int, int]] = {}
    try:
        with online_against(server):
            get_settings.cache_clear()
            from helpers.cache import cache_root
            from helpers.models.gemini import answer_cache

            folder = cache_root() / answer_cache().namespace
            for path in paths:
                shutil.rmtree(folder, ignore_errors=True)  # each notebook as if it came first
                before = server.requests
                first = run(path, store=False)
                middle = server.requests
                again = run(path, store=False)
                counts[path.name] = (middle - before, server.requests - middle)
                print(f"{path.name}: {counts[path.name][0]} requests ({first:.0f} s), "
                      f"re-run {counts[path.name][1]} ({again:.0f} s)", flush=True)
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        server.close()
        get_settings.cache_clear()
    return counts


def main(argv: list[str]) -> int:
    """Print the table of Gemini requests per notebook."""
    paths = [Path(a).resolve() for a in argv] or gemini_notebooks()
    counts = count(paths)
    print("\n| notebook | Gemini requests, first run | re-run |\n|---|---|---|")
    for name, (first, again) in counts.items():
        print(f"| {name} | {first} | {again} |")
    over = [name for name, (first, _) in counts.items() if first > BUDGET]
    verdict = f"over it: {', '.join(over)}" if over else "all within"
    print(f"\nbudget {BUDGET} per notebook: {verdict}")
    return 1 if over or any(again for _, again in counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
