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
