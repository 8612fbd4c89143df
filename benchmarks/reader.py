"""The offline reader on the question set: right / wrong / declined per split (not a test).

Usage: ``python benchmarks/reader.py [--seed-prompt] [--minilm] [--show-failures]``

Retrieval is the course retriever (``helpers.pipeline.course_retriever``, hybrid BM25 + dense,
bilingual; the MiniLM index with k=5 when that module is missing); the prompt is the defended one
(``--seed-prompt``: the seed's); the reader is :class:`helpers.standin.ExtractiveChatModel` with the
multilingual USE (``--minilm``: with all-MiniLM-L6-v2, as ``helpers.models`` passes today).
Answers are scored by :func:`helpers.answers.score_answer`: right = cites a gold source and states
every key fact. The reader's weights and threshold were chosen on dev; test is reported only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAG_COURSE_MODE", "offline")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def retriever():  # noqa: ANN201 - a LangChain retriever
    """Return the course retriever, or the MiniLM index's top 5 before helpers.pipeline exists."""
    try:
        from helpers.pipeline import course_retriever
    except ImportError:
        from helpers.index import course_index

        return course_index().as_retriever(search_kwargs={"k": 5}), "MiniLM index, k=5"
    return course_retriever(), "helpers.pipeline.course_retriever"


def main() -> int:
    """Print the reader table for dev and test."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnablePassthrough

    from helpers.answers import evaluate_reader
    from helpers.corpus import load_questions
    from helpers.rag import DEFENDED_PROMPT, SEED_PROMPT, format_docs
    from helpers.standin import ExtractiveChatModel

    template = SEED_PROMPT if "--seed-prompt" in sys.argv else DEFENDED_PROMPT
    embeddings = None
    if "--minilm" in sys.argv:
        from helpers.models import get_embeddings

        embeddings = get_embeddings()
    search, name = retriever()
    chain = (
        {"context": search | format_docs, "question": RunnablePassthrough()}
        | ChatPromptTemplate.from_template(template)
        | ExtractiveChatModel(embeddings=embeddings)
        | StrOutputParser()
    )
    questions = load_questions()
    chain.invoke(questions[0]["question"])  # load the models before timing
    print(f"retriever: {name}; prompt: {'seed' if template == SEED_PROMPT else 'defended'}; "
          f"reader encoder: {'MiniLM' if embeddings else 'multilingual USE'}")
    print(f"{'split':6} {'answerable':>10} {'right':>7} {'wrong':>7} {'declined':>9} "
          f"{'unanswerable':>12} {'declined':>9} {'s/answer':>9}")
    for split in ("dev", "test"):
        result = evaluate_reader(chain, [q for q in questions if q.get("split") == split])
        print(f"{split:6} {result['answerable']:>10} {result['right_rate']:>7.1%} "
              f"{result['wrong_rate']:>7.1%} {result['declined_rate']:>9.1%} "
              f"{result['unanswerable']:>12} {result['unanswerable_declined_rate']:>9.1%} "
              f"{result['seconds_per_answer']:>9.3f}")
        if "--show-failures" in sys.argv:
            for row in result["rows"]:
                bad = row["verdict"] != ("right" if row["answerable"] else "declined")
                if bad:
                    print(f"    {row['id']:8} {row['verdict']:8} {row['question'][:60]}")
                    print(f"             -> {row['answer'].splitlines()[0][:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
