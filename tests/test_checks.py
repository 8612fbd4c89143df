"""Exercise self-checks: blank → a 'not answered' line, wrong → a hint, right → ✅; never raise."""

from __future__ import annotations

import pytest

from helpers import checks, corpus


@pytest.mark.parametrize(
    ("check", "right", "wrong"),
    [
        (
            checks.check_page_count,
            lambda: len(corpus.load_pdf("tidewell/handbook.pdf")),
            lambda: 99,
        ),
        (
            checks.check_korean_notice,
            lambda: corpus.load_text("samples/notice.cp949.txt", encoding="cp949"),
            lambda: [corpus.load_text("tidewell/news-2026.txt")[0]],
        ),
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
    checks.check_page_count("8")
    assert "whole number" in capsys.readouterr().out
