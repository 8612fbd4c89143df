"""Gemini on a free key: the chat model, its budget, and the errors a learner will meet.

``chat_model()`` builds ``ChatGoogleGenerativeAI`` with one shared rate limiter (every request
of the course waits its turn, ``RAG_COURSE_GEMINI_RPM``) and the course's answer cache
(:class:`helpers.cache.AnswerCache`: a re-run pays nothing, streaming included).
``sample(items)`` picks the few questions an evaluation loop sends to Gemini and says how many
requests that is. ``invoke(runnable, value)`` calls a chain or a model, retries when Gemini
answers 429 (per-minute rate limit) or 5xx (overloaded) — after the delay the server asks for,
else with exponential backoff — and otherwise raises :class:`GeminiError` with a one-line
message instead of a long traceback from the client; a spent *daily* quota stops at once.
``ask_all(items, fn)`` runs a loop of calls with a progress bar and keeps what it has when
Gemini stops it.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from helpers.models.gemini_errors import (
    MAX_RETRY_DELAY,
    RETRY_CODES,
    GeminiError,
    _is_network_error,
    daily_quota_spent,
    explain,
    no_free_quota,
    retry_delay,
    status_code,
)
from helpers.settings import get_settings

if TYPE_CHECKING:
    from langchain_core.rate_limiters import InMemoryRateLimiter
    from langchain_google_genai import ChatGoogleGenerativeAI
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


T = TypeVar("T")


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
    seconds, at most ``max_delay``. A 429 for a model without free quota, or for a daily quota
    that is used up, is not retried (it would not clear before tomorrow). Any
    failure is re-raised as one :class:`GeminiError` (the client's traceback is dropped).
    """
    for attempt in range(1, tries + 1):
        try:
            return runnable.invoke(value)
        except Exception as err:  # noqa: BLE001 - every client error becomes one clear message
            code = status_code(err)
            final = no_free_quota(err) is not None or daily_quota_spent(err)
            if code in RETRY_CODES and attempt < tries and not final:
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


def ask_all(
    items: Iterable[Any],
    fn: Callable[[Any], Any] | Any,
    done: dict[Hashable, Any] | None = None,
    key: Callable[[Any], Hashable] | None = None,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[Hashable, Any]:
    """Return ``{key(item): fn(item)}``, keeping what it has when Gemini stops the loop.

    ``fn`` is a function or a runnable (called through :func:`invoke`). The pace is the chat
    model's rate limiter (:func:`rate_limiter`), which every request of the course shares.
    Items are keyed by ``key(item)``, else by themselves (or their position when unhashable).
    Results go into ``done`` as they come and items already in it are skipped, so calling again
    with the same ``done`` resumes. When Gemini fails for good (a daily quota, an invalid key) or
    you interrupt, one line says how many were done and the partial dict is returned.
    """
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
    stopped: str | None = None
    try:
        for k, item in zip(keys, items, strict=True):
            if k in results:
                continue  # done on an earlier run: resume after it
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


def sample(items: Iterable[T], what: str = "questions", requests_each: int = 1) -> list[T]:
    """Return the items an evaluation loop sends to Gemini, after saying what that costs.

    Offline every item is returned, silently (the stand-in costs nothing). Online at most
    ``RAG_COURSE_GEMINI_QUESTIONS`` items (``all``: every one), spread evenly over the list, and
    one line says how many requests the loop will make at most (cached answers cost none).
    """
    items = list(items)
    settings = get_settings()
    if settings.mode != "online":
        return items
    n = settings.gemini_questions
    if n is None or n >= len(items):
        chosen, more = items, ""
    else:
        chosen = [items[i * len(items) // n] for i in range(n)]
        more = f"; RAG_COURSE_GEMINI_QUESTIONS=all asks all {len(items)}"
    print(
        f"Gemini: {len(chosen)} of {len(items)} {what}, {requests_each} request(s) each: at most "
        f"{requests_each * len(chosen)} requests (cached answers cost none{more})."
    )
    return chosen


@lru_cache(maxsize=4)
def rate_limiter(per_minute: float | None = None) -> InMemoryRateLimiter:
    """Return the one rate limiter that every Gemini request of the course waits on.

    ``per_minute`` defaults to ``RAG_COURSE_GEMINI_RPM``. The bucket holds one request, full
    at the start: the first request goes at once, the next ones one interval apart.
    """
    from langchain_core.rate_limiters import InMemoryRateLimiter

    rate = per_minute or get_settings().gemini_rpm
    limiter = InMemoryRateLimiter(
        requests_per_second=rate / 60, check_every_n_seconds=0.05, max_bucket_size=1
    )
    limiter.available_tokens = 1.0  # LangChain's bucket starts empty: one wasted interval
    return limiter


def answer_cache() -> Any:
    """Return the course's answer cache for Gemini (per API address: Google's, or a stand-in)."""
    from helpers.cache import AnswerCache

    url = get_settings().gemini_base_url
    where = re.sub(r"[^\w.-]+", "-", urlparse(url).netloc or url) if url else ""
    return AnswerCache("gemini-answers" + (f"-{where}" if where else ""))


@lru_cache(maxsize=1)
def _course_gemini() -> type[ChatGoogleGenerativeAI]:
    """Return ``ChatGoogleGenerativeAI`` with a ``stream()`` that reads and fills the cache too."""
    from langchain_core.load import dumps
    from langchain_core.messages import AIMessageChunk, message_chunk_to_message
    from langchain_core.outputs import ChatGeneration
    from langchain_google_genai import ChatGoogleGenerativeAI

    class CourseGemini(ChatGoogleGenerativeAI):
        """``ChatGoogleGenerativeAI`` whose ``stream()`` uses the answer cache like ``invoke()``.

        LangChain looks the cache up in ``invoke``/``batch`` only; streaming would pay again.
        A cached answer comes back as one piece; a new one streams, then is stored.
        """

        def stream(  # type: ignore[override]
            self, input: Any, config: Any = None, *, stop: list[str] | None = None, **kwargs: Any
        ) -> Iterator[AIMessageChunk]:
            cache = self.cache if not isinstance(self.cache, bool) else None
            if cache is None:
                yield from super().stream(input, config, stop=stop, **kwargs)
                return
            messages = [  # the prompt exactly as LangChain keys it in invoke()
                m.model_copy(update={"id": None}) if getattr(m, "id", None) is not None else m
                for m in self._convert_input(input).to_messages()
            ]
            prompt, llm = dumps(messages), self._get_llm_string(stop=stop, **kwargs)
            if cache.lookup(prompt, llm) is not None:
                yield self.invoke(input, config, stop=stop, **kwargs)  # type: ignore[misc]
                return
            whole: AIMessageChunk | None = None
            for chunk in super().stream(input, config, stop=stop, **kwargs):
                whole = chunk if whole is None else whole + chunk
                yield chunk
            if whole is not None:
                cache.update(prompt, llm, [ChatGeneration(message=message_chunk_to_message(whole))])

    return CourseGemini


def chat_model(**options: Any) -> ChatGoogleGenerativeAI:
    """Return Gemini as the course uses it: key, timeout, address, rate limiter, answer cache.

    ``options`` are ``ChatGoogleGenerativeAI``'s (``model``, ``temperature``, ...); the client
    tries once (the library reads 0 as "5"): :func:`invoke` retries.
    """
    from helpers.settings import google_api_key

    settings = get_settings()
    extra = {"base_url": settings.gemini_base_url} if settings.gemini_base_url else {}
    return _course_gemini()(
        google_api_key=google_api_key(),
        timeout=settings.gemini_timeout,  # RAG_COURSE_GEMINI_TIMEOUT
        max_retries=1,
        rate_limiter=rate_limiter(),
        cache=answer_cache(),
        **extra,
        **options,
    )


def gemini_generation(model: str) -> int:
    """Return the major version of a Gemini model name (``gemini-3.5-flash`` -> 3; else 0)."""
    found = re.search(r"gemini-(\d+)", model.lower())
    return int(found.group(1)) if found else 0


def gemini_options(model: str, temperature: float | None = None) -> dict[str, Any]:
    """Return the ``ChatGoogleGenerativeAI`` options the course uses for ``model``.

    Temperature: only when asked for, or 0.0 for models before Gemini 3 (determinism); Gemini 3
    models keep Google's default, which Google recommends. Thinking: low, since a RAG answer
    reads its context rather than reasoning at length; flash-lite models already think little.
    """
    options: dict[str, Any] = {"model": model}
    current = gemini_generation(model) >= 3 or model.endswith("-latest")  # aliases: Gemini 3+
    if temperature is not None or not current:
        options["temperature"] = 0.0 if temperature is None else temperature
    if "lite" not in model:
        if current:
            options["thinking_level"] = "low"
        elif "gemini-2.5" in model:
            options["thinking_budget"] = 1024  # what Gemini maps reasoning effort "low" to
    return options
