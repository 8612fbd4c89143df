"""Mode detection, key lookup and model settings."""

from __future__ import annotations

import pytest

from helpers import settings as s

FAKE_KEY = "test-key-not-a-real-one-0123456789"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No key anywhere: no key variables, no .env in the working directory or the 'repository'."""
    settings_vars = ("RAG_COURSE_MODE", "RAG_COURSE_CHAT_MODEL", "RAG_COURSE_EMBEDDING_MODEL")
    for name in (*s.KEY_NAMES, *settings_vars):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(s, "repo_root", lambda: tmp_path)
    return tmp_path


def test_offline_without_a_key(clean_env):
    cfg = s.get_settings()
    assert cfg.mode == "offline"
    assert cfg.key_source is None
    assert cfg.describe().startswith("mode: offline (no GOOGLE_API_KEY found)")


@pytest.mark.parametrize("name", s.KEY_NAMES)
def test_online_with_either_key_name(clean_env, monkeypatch, name):
    monkeypatch.setenv(name, FAKE_KEY)
    cfg = s.get_settings()
    assert cfg.mode == "online"
    assert cfg.key_source == f"${name}"
    assert FAKE_KEY not in cfg.describe() and FAKE_KEY not in repr(cfg)


def test_key_from_dotenv_file(clean_env):
    (clean_env / ".env").write_text(f"GOOGLE_API_KEY={FAKE_KEY}\n")
    assert s.find_api_key() == (FAKE_KEY, ".env file")
    assert s.get_settings().mode == "online"


def test_forced_offline_with_a_key(clean_env, monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", FAKE_KEY)
    monkeypatch.setenv("RAG_COURSE_MODE", "offline")
    cfg = s.get_settings()
    assert cfg.mode == "offline"
    assert "RAG_COURSE_MODE=offline" in cfg.describe()


def test_bad_mode_and_online_without_key_say_what_to_do(clean_env, monkeypatch):
    monkeypatch.setenv("RAG_COURSE_MODE", "onlne")
    with pytest.raises(s.SettingsError, match="'auto', 'offline' or 'online'"):
        s.get_settings()
    s.get_settings.cache_clear()
    monkeypatch.setenv("RAG_COURSE_MODE", "online")
    with pytest.raises(s.SettingsError, match="no GOOGLE_API_KEY"):
        s.get_settings()
    with pytest.raises(s.SettingsError, match="runs offline without one"):
        s.google_api_key()


def test_model_names_from_environment(clean_env, monkeypatch):
    assert s.get_settings().chat_model == s.DEFAULT_CHAT_MODEL
    assert s.DEFAULT_CHAT_MODEL != "gemini-pro"  # retired: answers 404
    monkeypatch.setenv("RAG_COURSE_CHAT_MODEL", "gemini-x")
    monkeypatch.setenv("RAG_COURSE_EMBEDDING_MODEL", "jhgan/ko-sbert-nli")
    s.get_settings.cache_clear()
    cfg = s.get_settings()
    assert (cfg.chat_model, cfg.embedding_model) == ("gemini-x", "jhgan/ko-sbert-nli")


def test_relative_paths_hide_the_machine(monkeypatch):
    monkeypatch.delenv("RAG_COURSE_CACHE_DIR", raising=False)
    cfg = s.get_settings()
    from helpers.documents.files import DATA_DIR, relative

    assert DATA_DIR == cfg.data_dir  # the loaders' data/ is the settings' one
    assert relative(cfg.data_dir / "tidewell" / "handbook.pdf") == "tidewell/handbook.pdf"
    assert relative(cfg.root / "notebooks") == "notebooks"
    assert relative("/somewhere/else/file.txt") == "file.txt"
