"""BM25 retriever: exact words win, Korean matches through particles, it is a real retriever."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from langchain_core.documents import Document

from helpers.retrieval.bm25 import BM25Retriever, tokenize

DOCS = [
    Document(page_content="The kiln Ember fires on Thursday nights.", metadata={"id": 0}),
    Document(page_content="Run apt-mark hold package_name to hold a package.", metadata={"id": 1}),
    Document(page_content="데비안 패키지를 보류하려면 apt-mark를 씁니다.", metadata={"id": 2}),
    Document(page_content="Children are welcome at the Saturday workshop.", metadata={"id": 3}),
]


def test_tokenize_latin_words_and_hangul_bigrams():
    assert tokenize("Apt-Mark hold") == ["apt", "mark", "hold"]
    assert tokenize("패키지를") == ["패키", "키지", "지를"]


def test_exact_terms_rank_first():
    retriever = BM25Retriever.from_documents(DOCS, k=2)
    assert retriever.invoke("apt-mark hold")[0].metadata["id"] == 1
    assert retriever.invoke("When does the kiln fire?")[0].metadata["id"] == 0


def test_korean_matches_despite_particles():
    retriever = BM25Retriever.from_documents(DOCS, k=1)
    assert retriever.invoke("패키지는 어떻게 보류하나요?")[0].metadata["id"] == 2


def test_no_shared_term_returns_nothing():
    assert BM25Retriever.from_documents(DOCS, k=3).invoke("zzz qqq") == []


def test_a_query_without_words_matches_nothing() -> None:
    from langchain_core.documents import Document

    from helpers.retrieval.bm25 import BM25Retriever

    docs = [Document(page_content="apt-mark hold a package")]
    retriever = BM25Retriever.from_documents(docs, k=3)
    assert retriever.scores("- ") == []
    assert retriever.invoke("?!") == []


def test_bm25_is_imported_without_numba_which_umap_still_gets():
    # bm25s imports numba whenever it is installed (~60 MB per kernel); the course's numpy
    # backend does not need it. UMAP, imported after, must still find numba.
    script = ("import sys, helpers.retrieval.bm25 as b; "
              "assert 'numba' not in sys.modules, 'numba imported'; "
              "docs = [b.Document(page_content='kiln')]; "
              "assert b.BM25Retriever.from_documents(docs).invoke('kiln'); "
              "import numba; print(b.bm25s.NUMBA_AVAILABLE, numba.__name__)")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stdout.split() == ["False", "numba"]
