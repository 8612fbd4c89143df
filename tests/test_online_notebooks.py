"""Online, every notebook that calls Gemini stays within its budget and a re-run costs nothing.

The notebooks run against the loopback Gemini stand-in (tests/gemini_standin.py) through the real
client, twice: the first run may send at most ``BUDGET`` requests, the re-run none (every answer
comes from the answer cache). ``python scripts/gemini_requests.py`` prints the same table.
"""

from __future__ import annotations

import sys

import pytest

from helpers.settings import repo_root

sys.path.insert(0, str(repo_root() / "scripts"))

import gemini_requests  # noqa: E402


def test_the_notebooks_that_call_gemini_are_found():
    names = [p.name for p in gemini_requests.gemini_notebooks()]
    assert names == ["00_overview.ipynb", "08_rag_chain.ipynb", "10_when_rag_goes_wrong.ipynb",
                     "13_capstone.ipynb", "15_fresh_index_and_conversation.ipynb"]


@pytest.mark.caches  # runs the notebooks, which build and read every cache
def test_each_gemini_notebook_keeps_to_its_budget_and_a_rerun_is_free():
    counts = gemini_requests.count(gemini_requests.gemini_notebooks())
    print(counts)
    for name, (first, again) in counts.items():
        assert 0 < first <= gemini_requests.BUDGET, f"{name}: {first} requests on a first run"
        assert again == 0, f"{name}: a re-run sent {again} requests (the answer cache missed)"
