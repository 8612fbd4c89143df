"""The Korean edition (issue 29): every notebook has a Korean twin built from one source, and a
stale translation or a changed code cell is named by `scripts/korean.py check` (which CI runs
through this file)."""

from __future__ import annotations

import re
import shutil
import sys

import nbformat
import pytest

from helpers.settings import repo_root

ROOT = repo_root()
sys.path.insert(0, str(ROOT / "scripts"))
import korean  # noqa: E402

ENGLISH = korean.english_notebooks()
HANGUL = re.compile("[\uac00-\ud7a3]")


def test_every_translation_is_current_and_every_korean_notebook_is_built():
    problems = [p for nb in ENGLISH for p in korean.translation_problems(nb)]
    problems += [p for nb in ENGLISH for p in korean.notebook_problems(nb)]
    assert problems == [], "\n".join(problems[:10])


@pytest.mark.parametrize("english", ENGLISH, ids=[p.stem for p in ENGLISH])
def test_the_korean_twin_runs_the_english_code(english):
    # Read independently of the build: the same code cells, character for character, except
    # the one line of the set-up cell that sets the language.
    en = [c.source for c in nbformat.read(english, as_version=4).cells if c.cell_type == "code"]
    ko_nb = nbformat.read(ROOT / "notebooks" / "ko" / english.name, as_version=4)
    ko = [c.source for c in ko_nb.cells if c.cell_type == "code"]
    assert len(ko) == len(en)
    assert ko[0].count(korean.LANG_LINE) == 1
    assert ko[0].replace("\n" + korean.LANG_LINE + "\n", "", 1) == en[0]
    assert ko[1:] == en[1:]
    title = ko_nb.cells[0].source
    assert HANGUL.search(title.splitlines()[0]), "a Korean title"
    assert f"notebooks/ko/{english.name}" in title and f"[English](../{english.name})" in title


def _copy(tmp_path, monkeypatch, english):
    """Return a copy of one notebook, its translation and its Korean twin under tmp_path, with
    scripts/korean.py pointed at it."""
    (tmp_path / "notebooks" / "ko" / "translations").mkdir(parents=True)
    en = shutil.copy(english, tmp_path / "notebooks" / english.name)
    shutil.copy(korean.translation_path(english), tmp_path / "notebooks/ko/translations")
    shutil.copy(ROOT / "notebooks" / "ko" / english.name, tmp_path / "notebooks" / "ko")
    monkeypatch.setattr(korean, "ROOT", tmp_path)
    monkeypatch.setattr(korean, "ENGLISH", tmp_path / "notebooks")
    monkeypatch.setattr(korean, "KOREAN", tmp_path / "notebooks" / "ko")
    monkeypatch.setattr(korean, "TRANSLATIONS", tmp_path / "notebooks" / "ko" / "translations")
    return en


def test_a_changed_english_cell_makes_its_translation_stale(tmp_path, monkeypatch):
    english = _copy(tmp_path, monkeypatch, ROOT / "notebooks" / "03_splitters.ipynb")
    assert korean.translation_problems(english) == []
    nb = nbformat.read(english, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and c.id != nb.cells[0].id)
    cell.source += "\n\nOne more sentence."
    nbformat.write(nb, english)
    problems = korean.translation_problems(english)
    assert len(problems) == 1 and f"cell {cell.id} is stale" in problems[0]


def test_a_changed_korean_code_cell_is_named(tmp_path, monkeypatch):
    english = _copy(tmp_path, monkeypatch, ROOT / "notebooks" / "03_splitters.ipynb")
    assert korean.notebook_problems(english) == []
    target = tmp_path / "notebooks" / "ko" / english.name
    nb = nbformat.read(target, as_version=4)
    cell = [c for c in nb.cells if c.cell_type == "code"][2]
    cell.source = cell.source.replace("chunk", "piece", 1)
    nbformat.write(nb, target)
    problems = korean.notebook_problems(english)
    assert problems == [f"notebooks/ko/{english.name}: cell {cell.id}: code differs from the "
                        "English (run: build)"]


def test_an_untranslated_entry_is_named(tmp_path, monkeypatch):
    english = _copy(tmp_path, monkeypatch, ROOT / "notebooks" / "03_splitters.ipynb")
    path = korean.translation_path(english)
    entries = korean.read_translations(path)
    first = next(iter(entries))
    source = next(c.source for c in nbformat.read(english, as_version=4).cells if c.id == first)
    entries[first] = (korean.digest(source), source)
    korean.write_translations(path, english, entries)
    assert any(f"cell {first} is not translated" in p for p in korean.translation_problems(english))


def test_say_follows_the_learners_language(monkeypatch):
    from helpers.lang import language, say

    monkeypatch.delenv("RAG_COURSE_LANG", raising=False)
    assert (language(), say("yes", "예")) == ("en", "yes")
    monkeypatch.setenv("RAG_COURSE_LANG", "ko")
    assert (language(), say("yes", "예")) == ("ko", "예")
    monkeypatch.setenv("RAG_COURSE_LANG", "fr")  # not a language of the course: English
    assert say("yes", "예") == "yes"


def test_a_data_error_and_a_gemini_error_speak_korean(tmp_path, monkeypatch):
    from helpers.documents.files import CourseDataError
    from helpers.documents.loaders import load_text
    from helpers.models.gemini_errors import explain

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    monkeypatch.setenv("RAG_COURSE_LANG", "ko")
    with pytest.raises(CourseDataError, match="빈 파일입니다"):
        load_text(empty)
    assert "연결할 수 없습니다" in str(explain(ConnectionError("no route to host")))
    monkeypatch.setenv("RAG_COURSE_LANG", "en")
    with pytest.raises(CourseDataError, match="the file is empty"):
        load_text(empty)
