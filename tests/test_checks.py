"""Exercise self-checks: blank → a 'not answered' line, wrong → a hint, right → ✅; never raise."""

from __future__ import annotations

import pytest

from helpers import checks, corpus


def glued_pages() -> list[int]:
    from pypdf import PdfReader

    reader = PdfReader(corpus.data_path("debian-faq/debian-faq.en.pdf"))
    return [i for i, p in enumerate(reader.pages) if checks._glued_share(p.extract_text()) > 0.1]


@pytest.mark.parametrize(
    ("check", "right", "wrong"),
    [
        (checks.check_safe_size, lambda: 150, lambda: 200),
        (checks.check_glued_pages, glued_pages, lambda: []),
        (
            checks.check_running_header,
            lambda: "TIDEWELL MAKERSPACE - MEMBER HANDBOOK 2026",
            lambda: "Tidewell",
        ),
        (checks.check_mode_line, lambda: "mode: offline (...)", lambda: "offline"),
    ],
)
def test_checks_answer_blank_wrong_and_right(capsys, check, right, wrong):
    check(...)
    assert capsys.readouterr().out.startswith("✏️")
    check(wrong())
    assert capsys.readouterr().out.startswith("❌")
    check(right())
    assert capsys.readouterr().out.startswith("✅")


def test_wrong_type_is_explained(capsys):
    checks.check_glued_pages("8")
    assert "list of page numbers" in capsys.readouterr().out


def test_k3_result_blank_wrong_and_right(capsys, monkeypatch):
    dev = [q["id"] for q in corpus.load_questions() if q.get("split") == "dev"]
    rows = [{"id": i} for i in dev]
    expected = {"right": 3, "wrong": 1, "declined": 9, "unanswerable_declined": 2,
                "answerable": 13, "rows": rows}
    monkeypatch.setattr(checks, "_reader_on_dev", lambda k: expected if k == 3 else {})
    checks.check_k3_result(...)
    assert capsys.readouterr().out.startswith("✏️")
    checks.check_k3_result({"right": 3})
    assert "evaluate_reader" in capsys.readouterr().out
    checks.check_k3_result({**expected, "rows": rows[:-1]})
    assert "dev questions" in capsys.readouterr().out
    checks.check_k3_result({**expected, "right": 4})
    assert capsys.readouterr().out.startswith("❌")
    checks.check_k3_result(dict(expected))
    assert capsys.readouterr().out.startswith("✅ Right: with k=3 the reader answers 3 of 13")
