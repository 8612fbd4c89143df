"""Gemini's errors, each turned into one line that says what to do.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING, Any

from helpers.lang import say
from helpers.settings import DEFAULT_CHAT_MODEL, FREE_TIER_CHAT_MODELS, get_settings

if TYPE_CHECKING:
    pass


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
        return GeminiError(say(
            f"Gemini rejected the API key ({code}): check GOOGLE_API_KEY in your environment, "
            ".env file or Colab secrets — or remove it to run offline.",
            f"Gemini가 API 키를 거부했습니다({code}): 환경 변수, .env 파일, Colab 보안 비밀의 "
            "GOOGLE_API_KEY를 확인하세요. 또는 키를 지우고 오프라인으로 실행하세요.",
        ))
    if code == 404:
        return GeminiError(say(
            f"Gemini has no model '{model}' (retired or misspelt, like the seed's 'gemini-pro'): "
            f"set RAG_COURSE_CHAT_MODEL, e.g. to '{other_model(model)}'.",
            f"Gemini에 '{model}' 모델이 없습니다(학습 노트의 'gemini-pro'처럼 지원 종료되었거나 "
            f"철자가 틀림): RAG_COURSE_CHAT_MODEL을 설정하세요. 예: '{other_model(model)}'.",
        ))
    no_quota = no_free_quota(err)
    if no_quota is not None:
        model = no_quota or model
        return GeminiError(say(
            f"Gemini model '{model}' has no free quota (429, limit: 0): set "
            f"RAG_COURSE_CHAT_MODEL to '{other_model(model)}', which has one, or enable billing.",
            f"Gemini 모델 '{model}'에는 무료 할당량이 없습니다(429, limit: 0): "
            f"RAG_COURSE_CHAT_MODEL을 무료 할당량이 있는 '{other_model(model)}'(으)로 설정하거나 "
            "결제를 사용 설정하세요.",
        ))
    if daily_quota_spent(err):
        hours = math.ceil(hours_to_pacific_midnight())
        return GeminiError(say(
            f"The daily free quota of '{model}' is used up (429): it resets at midnight Pacific "
            f"time (in {hours} h); results so far are kept "
            f"(answers are cached); or set RAG_COURSE_CHAT_MODEL to '{other_model(model)}' "
            "(its own quota), or run offline (RAG_COURSE_MODE=offline).",
            f"'{model}'의 일일 무료 할당량을 다 썼습니다(429): 태평양 시간 자정({hours}시간 뒤)에 "
            "초기화됩니다. 지금까지의 결과는 남아 있습니다(답변은 캐시됨). 또는 "
            f"RAG_COURSE_CHAT_MODEL을 '{other_model(model)}'(별도 할당량)(으)로 설정하거나 "
            "오프라인으로 실행하세요(RAG_COURSE_MODE=offline).",
        ))
    if code == 429:
        delay = retry_delay(err)
        wait = f"wait {math.ceil(delay)} s" if delay is not None else "wait a minute"
        wait_ko = f"{math.ceil(delay)}초 기다리거나" if delay is not None else "1분쯤 기다리거나"
        return GeminiError(say(
            f"Gemini quota or rate limit reached (429) after {tries} tries: {wait}, lower "
            "RAG_COURSE_GEMINI_RPM, or run offline (RAG_COURSE_MODE=offline).",
            f"{tries}번 시도했지만 Gemini 할당량 또는 속도 제한에 걸렸습니다(429): {wait_ko}, "
            "RAG_COURSE_GEMINI_RPM을 낮추거나, 오프라인으로 실행하세요(RAG_COURSE_MODE=offline).",
        ))
    if code is not None and code >= 500:
        return GeminiError(say(
            f"Gemini is unavailable ({code}) after {tries} tries: try again later, or run offline "
            "(RAG_COURSE_MODE=offline).",
            f"{tries}번 시도했지만 Gemini를 쓸 수 없습니다({code}): 나중에 다시 시도하거나 "
            "오프라인으로 실행하세요(RAG_COURSE_MODE=offline).",
        ))
    if code is not None:
        message = " ".join(str(getattr(api, "message", "") or "").split())[:160]
        return GeminiError(say(f"Gemini refused the request ({code}): {message}",
                               f"Gemini가 요청을 거부했습니다({code}): {message}"))
    if _is_timeout(err):
        within = f"within {timeout:g} s " if timeout else ""
        within_ko = f"{timeout:g}초 안에 " if timeout else ""
        return GeminiError(say(
            f"Gemini did not answer {within}(timeout): try again, raise RAG_COURSE_GEMINI_TIMEOUT, "
            "or run offline (RAG_COURSE_MODE=offline).",
            f"Gemini가 {within_ko}답하지 않았습니다(시간 초과): 다시 시도하거나, "
            "RAG_COURSE_GEMINI_TIMEOUT을 늘리거나, 오프라인으로 실행하세요"
            "(RAG_COURSE_MODE=offline).",
        ))
    if _is_network_error(err):
        return GeminiError(say(
            "Cannot reach Gemini (no network?): check your connection, or run offline with "
            "RAG_COURSE_MODE=offline.",
            "Gemini에 연결할 수 없습니다(네트워크가 없나요?): 연결을 확인하거나 "
            "RAG_COURSE_MODE=offline으로 오프라인 실행하세요.",
        ))
    return GeminiError(say(f"Gemini call failed: {type(err).__name__}: {str(err)[:160]}",
                           f"Gemini 호출 실패: {type(err).__name__}: {str(err)[:160]}"))
