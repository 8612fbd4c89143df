"""Gemini errors a learner will meet, each turned into one line that says what to do.

``invoke(runnable, value)`` calls a chain or a model, retries when Gemini answers 429 (rate
limit) or 5xx (overloaded) — after the delay the server asks for, else with exponential
backoff — and otherwise raises :class:`GeminiError` with a one-line message instead of a long
traceback from the client. ``paced(items, fn)`` runs a loop of calls at a free-tier-safe rate
with a progress bar, and keeps what it has when Gemini stops it.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from helpers.settings import DEFAULT_CHAT_MODEL, FREE_TIER_CHAT_MODELS, get_settings

RETRY_CODES = frozenset({429, 500, 503})
MAX_RETRY_DELAY = 60.0  # seconds: the longest wait between two tries, whatever the server asks


class GeminiError(RuntimeError):
    """A Gemini call failed; the message says why and what to do."""


def _causes(err: BaseException) -> list[BaseException]:
    """Return ``err`` and the exceptions behind it (cause or context), at most five."""
    chain: list[BaseException] = []
    seen: BaseException | None = err
    while seen is not None and len(chain) < 5:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


def _api_error(err: BaseException) -> Any | None:
    """Return the google-genai ``APIError`` behind ``err`` (it is often the cause), if any."""
    from google.genai import errors

    return next((e for e in _causes(err) if isinstance(e, errors.APIError)), None)


def _is_timeout(err: BaseException) -> bool:
    """Return True when Gemini was reached but did not answer in time."""
    import httpx

    return any(
        isinstance(e, httpx.TimeoutException) and not isinstance(e, httpx.ConnectTimeout)
        for e in _causes(err)
    )


def _is_network_error(err: BaseException) -> bool:
    """Return True when ``err`` (or its cause) means the server could not be reached."""
    import httpx

    kinds = httpx.TransportError | ConnectionError | TimeoutError
    return any(isinstance(e, kinds) for e in _causes(err))


def status_code(err: BaseException) -> int | None:
    """Return the HTTP status Gemini answered with, or None (no answer at all)."""
    api = _api_error(err)
    return int(api.code) if api is not None and api.code is not None else None


def _message(err: BaseException) -> str:
    """Return the message of Gemini's error answer behind ``err`` ('' when there is none)."""
    api = _api_error(err)
    return str(getattr(api, "message", "") or "") if api is not None else ""


def _details(err: BaseException) -> list[dict[str, Any]]:
    """Return the ``error.details`` entries (google.rpc types) of Gemini's error answer."""
    body = getattr(_api_error(err), "details", None)
    error = body.get("error", body) if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    return [d for d in details or [] if isinstance(d, dict)]


def retry_delay(err: BaseException) -> float | None:
    """Return the seconds Gemini asks to wait before retrying (``google.rpc.RetryInfo``), or None.

    The message's "Please retry in 17.9s." is used when it is longer (RetryInfo drops fractions).
    """
    delays = []
    for detail in _details(err):
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)s\s*", str(detail.get("retryDelay", "")))
            if found:
                delays.append(float(found.group(1)))
    found = re.search(r"retry in (\d+(?:\.\d+)?)\s*s", _message(err), re.IGNORECASE)
    if found:
        delays.append(float(found.group(1)))
    return max(delays) if delays else None


def no_free_quota(err: BaseException) -> str | None:
    """Return the model Gemini gives no free quota to ("limit: 0" in a 429), else None."""
    text = _message(err)
    if status_code(err) != 429 or not re.search(r"\blimit:\s*0\b", text):
        return None
    found = re.search(r"\bmodel:\s*([\w.\-/]+)", text)
    return found.group(1).removeprefix("models/") if found else ""


def other_model(failed: str | None) -> str:
    """Return a current free-tier model to suggest instead of ``failed`` (never ``failed``)."""
    failed = (failed or "").removeprefix("models/")
    for name in (DEFAULT_CHAT_MODEL, *FREE_TIER_CHAT_MODELS):
        if name != failed:
            return name
    raise AssertionError("unreachable")  # pragma: no cover - the list holds two names or more


def explain(
    err: BaseException, model: str | None = None, tries: int = 1, timeout: float | None = None
) -> GeminiError:
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
            f"set RAG_COURSE_CHAT_MODEL, e.g. to '{other_model(model)}'."
        )
    no_quota = no_free_quota(err)
    if no_quota is not None:
        model = no_quota or model
        return GeminiError(
            f"Gemini model '{model}' has no free quota (429, limit: 0): set "
            f"RAG_COURSE_CHAT_MODEL to '{other_model(model)}', which has one, or enable billing."
        )
    if code == 429:
        delay = retry_delay(err)
        wait = f"wait {math.ceil(delay)} s" if delay is not None else "wait a minute"
        return GeminiError(
            f"Gemini quota or rate limit reached (429) after {tries} tries: {wait}, pace loops "
            "with gemini.paced (RAG_COURSE_GEMINI_RPM), or run offline (RAG_COURSE_MODE=offline)."
        )
    if code is not None and code >= 500:
        return GeminiError(
            f"Gemini is unavailable ({code}) after {tries} tries: try again later, or run offline "
            "(RAG_COURSE_MODE=offline)."
        )
    if code is not None:
        message = " ".join(str(getattr(api, "message", "") or "").split())[:160]
        return GeminiError(f"Gemini refused the request ({code}): {message}")
    if _is_timeout(err):
        within = f"within {timeout:g} s " if timeout else ""
        return GeminiError(
            f"Gemini did not answer {within}(timeout): try again, raise RAG_COURSE_GEMINI_TIMEOUT, "
            "or run offline (RAG_COURSE_MODE=offline)."
        )
    if _is_network_error(err):
        return GeminiError(
            "Cannot reach Gemini (no network?): check your connection, or run offline with "
            "RAG_COURSE_MODE=offline."
        )
    return GeminiError(f"Gemini call failed: {type(err).__name__}: {str(err)[:160]}")


def _chat_model(runnable: Any, depth: int = 0) -> Any | None:
    """Return the chat model inside ``runnable`` (a model, or an LCEL chain around one), if any."""
    if isinstance(getattr(runnable, "model", None), str):
        return runnable
    if depth > 6:
        return None
    parts: list[Any] = []
    for name in ("steps", "first", "middle", "last", "bound", "mapper", "steps__"):
        part = getattr(runnable, name, None)
        if isinstance(part, dict):
            parts.extend(part.values())
        elif isinstance(part, list | tuple):
            parts.extend(part)
        elif part is not None:
            parts.append(part)
    for part in parts:
        found = _chat_model(part, depth + 1)
        if found is not None:
            return found
    return None


def model_name(runnable: Any) -> str | None:
    """Return the chat model name inside ``runnable`` (a model or an LCEL chain), if any."""
    model = _chat_model(runnable)
    return model.model.removeprefix("models/") if model is not None else None


def invoke(
    runnable: Any,
    value: Any,
    tries: int = 3,
    backoff: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    max_delay: float = MAX_RETRY_DELAY,
) -> Any:
    """Return ``runnable.invoke(value)``, retrying 429/5xx answers.

    Between tries it waits the delay Gemini asks for (``RetryInfo``), else ``backoff ** n``
    seconds, at most ``max_delay``. A 429 for a model without free quota is not retried. Any
    failure is re-raised as one :class:`GeminiError` (the client's traceback is dropped).
    """
    for attempt in range(1, tries + 1):
        try:
            return runnable.invoke(value)
        except Exception as err:  # noqa: BLE001 - every client error becomes one clear message
            code = status_code(err)
            if code in RETRY_CODES and attempt < tries and no_free_quota(err) is None:
                asked = retry_delay(err) if code == 429 else None
                wait = max(1, math.ceil(asked)) if asked is not None else backoff ** (attempt - 1)
                sleep(min(float(wait), max_delay))
                continue
            model = _chat_model(runnable)
            raise explain(
                err, model_name(runnable), tries=attempt, timeout=getattr(model, "timeout", None)
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _progress(total: int, done: int, show: bool) -> Any:
    """Return a progress bar (tqdm) or a stand-in printing a counter; silent when not ``show``."""

    class Counter:
        def __init__(self) -> None:
            self.n = done

        def update(self, n: int = 1) -> None:
            self.n += n
            if show:
                print(f"\rGemini: {self.n}/{total}", end="", flush=True)

        def close(self) -> None:
            if show and self.n > done:
                print()

    if not show:
        return Counter()
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm comes with huggingface-hub; a counter does without it
        return Counter()
    return tqdm(total=total, initial=done, desc="Gemini", unit="call")


def _call(fn: Callable[[Any], Any] | Any, item: Any, sleep: Callable[[float], None]) -> Any:
    """Return ``fn(item)`` (a runnable goes through :func:`invoke`); Gemini's failures become
    :class:`GeminiError`, any other error (a bug to see) passes through."""
    if hasattr(fn, "invoke"):
        return invoke(fn, item, sleep=sleep)
    try:
        return fn(item)
    except GeminiError:
        raise
    except Exception as err:
        if status_code(err) is None and not _is_network_error(err):
            raise
        raise explain(err, model_name(fn)) from None


def paced(
    items: Iterable[Any],
    fn: Callable[[Any], Any] | Any,
    rate_per_minute: float | None = None,
    done: dict[Hashable, Any] | None = None,
    key: Callable[[Any], Hashable] | None = None,
    progress: bool = True,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[Hashable, Any]:
    """Return ``{key(item): fn(item)}``, starting at most ``rate_per_minute`` calls a minute.

    ``fn`` is a function or a runnable (called through :func:`invoke`); the rate defaults to
    ``RAG_COURSE_GEMINI_RPM`` and counts calls of ``fn`` (halve it when each makes two requests).
    Items are keyed by ``key(item)``, else by themselves (or their position when unhashable).
    Results go into ``done`` as they come and items already in it are skipped, so calling again
    with the same ``done`` resumes. When Gemini fails for good (or you interrupt), one line says
    how many were done and the partial dict is returned.
    """
    rate = rate_per_minute or get_settings().gemini_rpm
    interval = 60.0 / rate
    given = done is not None
    results: dict[Hashable, Any] = done if done is not None else {}
    items = list(items)

    def key_of(position: int, item: Any) -> Hashable:
        if key is not None:
            return key(item)
        try:
            hash(item)
        except TypeError:  # a dict, a list: keyed by its position
            return position
        return item

    keys = [key_of(i, item) for i, item in enumerate(items)]
    bar = _progress(len(items), sum(k in results for k in keys), progress)
    last_start: float | None = None
    stopped: str | None = None
    try:
        for k, item in zip(keys, items, strict=True):
            if k in results:
                continue  # done on an earlier run: resume after it
            if last_start is not None:
                wait = last_start + interval - clock()
                if wait > 0:
                    sleep(wait)
            last_start = clock()
            results[k] = _call(fn, item, sleep)
            bar.update(1)
    except GeminiError as err:
        stopped = str(err)
    except KeyboardInterrupt:
        stopped = "interrupted."
    finally:
        bar.close()
    if stopped is not None:
        resume = (
            "results kept in done=, call again with it to resume"
            if given
            else "results so far returned, pass them as done= to resume"
        )
        finished = sum(k in results for k in keys)
        print(f"Stopped after {finished} of {len(items)} ({resume}): {stopped}")
    return results
