"""Gemini errors a learner will meet, each turned into one line that says what to do.

``invoke(runnable, value)`` calls a chain or a model, retries with exponential backoff when
Gemini answers 429 (quota / rate limit) or 5xx (overloaded), and otherwise raises
:class:`GeminiError` with a one-line message instead of a long traceback from the client.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from helpers.settings import DEFAULT_CHAT_MODEL, get_settings

RETRY_CODES = frozenset({429, 500, 503})


class GeminiError(RuntimeError):
    """A Gemini call failed; the message says why and what to do."""


def _api_error(err: BaseException) -> Any | None:
    """Return the google-genai ``APIError`` behind ``err`` (it is often the cause), if any."""
    from google.genai import errors

    seen: BaseException | None = err
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, errors.APIError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _is_network_error(err: BaseException) -> bool:
    """Return True when ``err`` (or its cause) means the server could not be reached."""
    import httpx

    seen: BaseException | None = err
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, httpx.TransportError | ConnectionError | TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def status_code(err: BaseException) -> int | None:
    """Return the HTTP status Gemini answered with, or None (no answer at all)."""
    api = _api_error(err)
    return int(api.code) if api is not None and api.code is not None else None


def explain(err: BaseException, model: str | None = None, tries: int = 1) -> GeminiError:
    """Return a :class:`GeminiError` whose one-line message explains ``err`` and what to do."""
    model = model or get_settings().chat_model
    code = status_code(err)
    api = _api_error(err)
    text = f"{getattr(api, 'status', '') or ''} {getattr(api, 'message', '') or ''}".lower()
    if code in (400, 401, 403) and ("api key" in text or "api_key" in text or code != 400):
        return GeminiError(
            f"Gemini rejected the API key ({code}): check GOOGLE_API_KEY in your environment, "
            ".env file or Colab secrets — or remove it to run offline."
        )
    if code == 404:
        return GeminiError(
            f"Gemini has no model '{model}' (retired or misspelt, like the seed's 'gemini-pro'): "
            f"set RAG_COURSE_CHAT_MODEL, e.g. to '{DEFAULT_CHAT_MODEL}'."
        )
    if code == 429:
        return GeminiError(
            f"Gemini quota or rate limit reached (429) after {tries} tries: wait a minute, use a "
            "lighter model (RAG_COURSE_CHAT_MODEL), or run offline (RAG_COURSE_MODE=offline)."
        )
    if code is not None and code >= 500:
        return GeminiError(
            f"Gemini is unavailable ({code}) after {tries} tries: try again later, or run offline "
            "(RAG_COURSE_MODE=offline)."
        )
    if code is not None:
        message = " ".join(str(getattr(api, "message", "") or "").split())[:160]
        return GeminiError(f"Gemini refused the request ({code}): {message}")
    if _is_network_error(err):
        return GeminiError(
            "Cannot reach Gemini (no network?): check your connection, or run offline with "
            "RAG_COURSE_MODE=offline."
        )
    return GeminiError(f"Gemini call failed: {type(err).__name__}: {str(err)[:160]}")


def model_name(runnable: Any) -> str | None:
    """Return the chat model name inside ``runnable`` (a model or an LCEL chain), if any."""
    for step in [runnable, *getattr(runnable, "steps", [])]:
        name = getattr(step, "model", None)
        if isinstance(name, str):
            return name.removeprefix("models/")
    return None


def invoke(
    runnable: Any,
    value: Any,
    tries: int = 3,
    backoff: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Return ``runnable.invoke(value)``, retrying 429/5xx answers with exponential backoff.

    Any failure is re-raised as one :class:`GeminiError` (the client's traceback is dropped).
    """
    for attempt in range(1, tries + 1):
        try:
            return runnable.invoke(value)
        except Exception as err:  # noqa: BLE001 - every client error becomes one clear message
            if status_code(err) in RETRY_CODES and attempt < tries:
                sleep(backoff ** (attempt - 1))
                continue
            raise explain(err, model_name(runnable), tries=attempt) from None
    raise AssertionError("unreachable")  # pragma: no cover
