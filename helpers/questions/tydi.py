"""The external QA benchmark (TyDi QA GoldP) stored in ``data/external/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from helpers.documents.files import CourseDataError, data_path

#: The benchmark ``load_external()`` returns when no name is given.
DEFAULT_BENCHMARK = "tydiqa-goldp"


def external_dir(name: str | None = None) -> Path:
    """Return the folder of the external benchmark ``name`` (default :data:`DEFAULT_BENCHMARK`)."""
    folder = data_path(Path("external") / (name or DEFAULT_BENCHMARK))
    if not folder.is_dir():
        raise CourseDataError(
            f"data/external/{name}: no such benchmark; see data/external/README.md."
        )
    return folder


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Return the JSON objects of a JSON-lines file (blank lines skipped)."""
    if not path.is_file():
        raise CourseDataError(
            f"{path.name}: missing in {path.parent}; see data/external/README.md."
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_external(
    name: str | None = None, wider_dev: bool = False
) -> tuple[list[Document], list[dict[str, Any]]]:
    """Return ``(passages, questions)`` of an external benchmark.

    Each passage is one ``Document``: ``page_content`` is the passage text, ``metadata`` is
    ``{"source": "external/<name>/<passage id>", "lang": "ko" | "en", "title": ...}``. Each
    question has the fields of ``data/questions.jsonl``; its ``gold.evidence`` is a verbatim
    span of the gold passage (the answer, or a few words around it) that lies inside one chunk
    of the course splitter (500/50), so it can be checked on split passages too. Like the
    course's own questions, each carries a fixed ``split``: within each language the file's
    questions alternate ``"dev"``, ``"test"`` (notebook 07 chooses on the benchmark's dev half and
    reports its test half).

    ``wider_dev=True`` adds ``dev-passages.jsonl`` and ``dev-questions.jsonl`` (issue 26): more
    questions, all ``"dev"`` (each with its TyDi split in ``"tydi_split"``), and the passages they
    need plus distractors. The test half is the same questions, over more passages.
    """
    name = name or DEFAULT_BENCHMARK
    folder = external_dir(name)
    files = ("passages.jsonl", "dev-passages.jsonl") if wider_dev else ("passages.jsonl",)
    docs = [
        Document(
            page_content=p["text"],
            metadata={"source": f"external/{name}/{p['id']}", "lang": p["lang"],
                      "title": p["title"]},
        )
        for file in files
        for p in _read_jsonl(folder / file)
    ]
    questions = _read_jsonl(folder / "questions.jsonl")
    seen: dict[str, int] = {}
    for q in questions:  # dev, test, dev, ... within each language, in file order
        q["split"] = ("dev", "test")[seen.get(q["lang"], 0) % 2]
        seen[q["lang"]] = seen.get(q["lang"], 0) + 1
    if wider_dev:
        questions += _read_jsonl(folder / "dev-questions.jsonl")  # each carries "split": "dev"
    return docs, questions
