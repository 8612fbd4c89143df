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

import datetime as dt
import math
import re
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from helpers.settings import DEFAULT_CHAT_MODEL, FREE_TIER_CHAT_MODELS, get_settings

if TYPE_CHECKING:
    from langchain_core.rate_limiters import InMemoryRateLimiter
    from langchain_google_genai import ChatGoogleGenerativeAI

T = TypeVar("T")

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


def _quota_ids(err: BaseException) -> list[str]:
    """Return the quota ids of a 429's ``QuotaFailure`` violations (e.g. ``...PerDay...``)."""
    ids = []
    for detail in _details(err):
        if str(detail.get("@type", "")).endswith("google.rpc.QuotaFailure"):
            ids += [str(v.get("quotaId", "")) for v in detail.get("violations") or []]
    return ids


def daily_quota_spent(err: BaseException) -> bool:
    """Return True for a 429 that says a *daily* quota is used up (not a per-minute one)."""
    if status_code(err) != 429 or no_free_quota(err) is not None:
        return False
    return any("PerDay" in quota for quota in _quota_ids(err))


def hours_to_pacific_midnight(now: dt.datetime | None = None) -> float:
    """Return the hours until the next midnight in California, when daily quotas reset."""
    try:
        from zoneinfo import ZoneInfo

        pacific: dt.tzinfo = ZoneInfo("America/Los_Angeles")
    except Exception:  # noqa: BLE001 - no time-zone data (some Windows Pythons): standard time
        pacific = dt.timezone(dt.timedelta(hours=-8))
    here = (now or dt.datetime.now(dt.UTC)).astimezone(pacific)
    midnight = dt.datetime.combine(here.date() + dt.timedelta(days=1), dt.time(), tzinfo=pacific)
    return (midnight - here).total_seconds() / 3600


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
    if daily_quota_spent(err):
        return GeminiError(
            f"The daily free quota of '{model}' is used up (429): it resets at midnight Pacific "
            f"time (in {math.ceil(hours_to_pacific_midnight())} h); results so far are kept "
            f"(answers are cached); or set RAG_COURSE_CHAT_MODEL to '{other_model(model)}' "
            "(its own quota), or run offline (RAG_COURSE_MODE=offline)."
        )
    if code == 429:
        delay = retry_delay(err)
        wait = f"wait {math.ceil(delay)} s" if delay is not None else "wait a minute"
        return GeminiError(
            f"Gemini quota or rate limit reached (429) after {tries} tries: {wait}, lower "
            "RAG_COURSE_GEMINI_RPM, or run offline (RAG_COURSE_MODE=offline)."
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
