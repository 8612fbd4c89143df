"""Gemini failures, produced by the real client against the real network situation here:
no network at all, and a local HTTP server that answers the way the Gemini API answers
(tests/gemini_standin.py); then pacing loops, and the options the course's chat model gets."""

from __future__ import annotations

import pytest
from langchain_google_genai import ChatGoogleGenerativeAI

from helpers.models import gemini, gemini_errors
from helpers.models.chat import get_chat_model
from helpers.models.gemini import gemini_options
from helpers.settings import DEFAULT_CHAT_MODEL, FREE_TIER_CHAT_MODELS, SettingsError, get_settings
from tests.gemini_standin import (
    FAKE_KEY,
    HANG,
    FakeGemini,
    daily_quota_spent,
    no_free_quota,
    rate_limited,
)
from tests.support import free_port


@pytest.fixture
def fake():
    """Start loopback Gemini stand-ins: ``fake(429, 200)`` answers 429, then 200 from then on."""
    servers: list[FakeGemini] = []

    def start(*script: int | str | dict) -> FakeGemini:
        servers.append(FakeGemini(*script))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def no_sleep(_seconds: float) -> None:
    pass


def test_invalid_key(fake):
    with pytest.raises(gemini_errors.GeminiError, match="rejected the API key") as err:
        gemini.invoke(fake(400).client(), "hi", sleep=no_sleep)
    assert "\n" not in str(err.value) and FAKE_KEY not in str(err.value)


def test_retired_model_names_the_setting(fake):
    with pytest.raises(
        gemini_errors.GeminiError, match="no model 'gemini-pro'.*RAG_COURSE_CHAT_MODEL"
    ):
        gemini.invoke(fake(404).client("gemini-pro"), "hi", sleep=no_sleep)


@pytest.mark.parametrize(("code", "message"), [(429, "quota or rate limit"), (503, "unavailable")])
def test_quota_and_overload_are_retried_with_backoff(fake, code, message):
    server = fake(code)
    waits: list[float] = []
    with pytest.raises(gemini_errors.GeminiError, match=f"{message}.*after 3 tries"):
        gemini.invoke(server.client(), "hi", tries=3, backoff=2.0, sleep=waits.append)
    assert server.requests == 3
    assert waits == [1.0, 2.0]


def test_no_network():
    # "No network" made the same on every machine: a loopback port where nothing listens (the
    # connection is refused), never Google's real host (a laptop with internet would reach it).
    llm = ChatGoogleGenerativeAI(
        model=DEFAULT_CHAT_MODEL,
        google_api_key=FAKE_KEY,
        max_retries=1,
        timeout=5,
        base_url=f"http://127.0.0.1:{free_port()}",
    )
    with pytest.raises(gemini_errors.GeminiError, match="Cannot reach Gemini"):
        gemini.invoke(llm, "hi", sleep=no_sleep)


def test_success_passes_through():
    class Echo:
        def invoke(self, value):
            return value.upper()

    assert gemini.invoke(Echo(), "ok") == "OK"


def one_line(err: BaseException) -> str:
    """Return the learner's message, checked to be one line (and printed for the record)."""
    text = str(err)
    assert "\n" not in text and FAKE_KEY not in text
    print("GeminiError:", text)
    return text


class Clock:
    """A clock that only moves when slept on: records every wait, never really sleeps."""

    def __init__(self):
        self.now, self.waits = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def online(monkeypatch):
    """Online settings with a made-up key; ``online(model)`` chooses the chat model."""
    for name in ("RAG_COURSE_MODE", "GEMINI_API_KEY", "RAG_COURSE_GEMINI_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", FAKE_KEY)

    def use(model: str = DEFAULT_CHAT_MODEL) -> None:
        monkeypatch.setenv("RAG_COURSE_CHAT_MODEL", model)
        get_settings.cache_clear()

    use()
    return use


# 1 · Retry after the delay the server asks for -------------------------------------------------


def test_retry_waits_the_delay_gemini_asks_for(fake):
    server = fake(rate_limited("17s"), rate_limited("17s"), 200)
    waits: list[float] = []
    answer = gemini.invoke(server.client(), "hi", sleep=waits.append)
    assert answer.content == "answer 3"
    assert waits == [17.0, 17.0]


def test_retry_delay_is_capped_and_named(fake):
    server = fake(rate_limited("120s"))
    waits: list[float] = []
    with pytest.raises(
        gemini_errors.GeminiError, match=r"rate limit .* after 3 tries: wait 120 s"
    ) as err:
        gemini.invoke(server.client(), "hi", sleep=waits.append, max_delay=45)
    one_line(err.value)
    assert waits == [45.0, 45.0] and server.requests == 3


# 2 · Loops that keep what they have, one rate limiter ----------------------------------------


def test_rate_limiter_spaces_requests_and_lets_the_first_go_at_once(fake):
    import time

    server = fake(200)
    llm = server.client(rate_limiter=gemini.rate_limiter(600.0))  # 10 a second
    start = time.monotonic()
    llm.invoke("a")
    first = time.monotonic() - start
    for text in ("b", "c", "d"):
        llm.invoke(text)
    total = time.monotonic() - start
    assert first < 0.09 and total >= 0.29 and server.requests == 4


def test_the_course_chat_model_shares_one_limiter(online):
    assert get_chat_model().rate_limiter is get_chat_model().rate_limiter is gemini.rate_limiter()


def test_ask_all_keeps_partial_results_and_resumes(fake, capsys):
    clock, done = Clock(), {}
    questions = [{"id": f"q{i}", "text": f"question {i}"} for i in range(4)]

    def ask(llm):
        return lambda q: gemini.invoke(llm, q["text"], sleep=clock.sleep).content

    failing = fake(200, 200, 503)  # answers twice, then is overloaded for good
    out = gemini.ask_all(
        questions,
        ask(failing.client()),
        done=done,
        key=lambda q: q["id"],
        progress=False,
        sleep=clock.sleep,
    )
    line = capsys.readouterr().out.strip()
    print(line)
    assert out is done and done == {"q0": "answer 1", "q1": "answer 2"}
    assert line.startswith("Stopped after 2 of 4 (results kept in done=, call again with it")
    assert "unavailable (503) after 3 tries" in line and "\n" not in line

    working = fake(200)
    gemini.ask_all(
        questions,
        ask(working.client()),
        done=done,
        key=lambda q: q["id"],
        progress=False,
        sleep=clock.sleep,
    )
    assert working.requests == 2 and list(done) == ["q0", "q1", "q2", "q3"]


def test_ask_all_returns_what_it_has_without_a_done_dict(fake, capsys):
    server, clock = fake(200, no_free_quota("gemini-2.5-pro")), Clock()
    out = gemini.ask_all(
        ["a", "b", "c"], server.client("gemini-2.5-pro"), progress=False, sleep=clock.sleep
    )
    line = capsys.readouterr().out.strip()
    print(line)
    assert [m.content for m in out.values()] == ["answer 1"] and server.requests == 2
    assert line.startswith("Stopped after 1 of 3 (results so far returned, pass them as done=")
    assert "no free quota" in line


def test_ask_all_shows_progress_and_keeps_results_on_interrupt(capsys):
    clock = Clock()

    def stop_at_c(item: str) -> str:
        if item == "c":
            raise KeyboardInterrupt
        return item

    out = gemini.ask_all("abcd", stop_at_c, sleep=clock.sleep)
    captured = capsys.readouterr()
    assert out == {"a": "a", "b": "b"} and "2/4" in captured.err  # tqdm's bar, on stderr
    assert captured.out.strip() == (
        "Stopped after 2 of 4 (results so far returned, pass them as done= to resume): interrupted."
    )


def test_ask_all_lets_a_bug_through_and_keeps_results():
    done: dict = {}

    def buggy(item: dict) -> str:
        return item["answer"]  # KeyError on the second item: the learner's bug, not Gemini's

    with pytest.raises(KeyError):
        gemini.ask_all([{"answer": "x"}, {}], buggy, done=done, progress=False, sleep=no_sleep)
    assert done == {0: "x"}  # unhashable items are keyed by position


# 3 · A model without free quota --------------------------------------------------------------


def test_model_without_free_quota_is_not_retried(fake):
    server = fake(no_free_quota("gemini-2.5-pro"))
    waits: list[float] = []
    with pytest.raises(gemini_errors.GeminiError) as err:
        gemini.invoke(server.client("gemini-2.5-pro"), "hi", sleep=waits.append)
    assert one_line(err.value) == (
        "Gemini model 'gemini-2.5-pro' has no free quota (429, limit: 0): set "
        f"RAG_COURSE_CHAT_MODEL to '{DEFAULT_CHAT_MODEL}', which has one, or enable billing."
    )
    assert server.requests == 1 and waits == []


def test_default_without_free_quota_names_another_model(fake):
    server = fake(no_free_quota(DEFAULT_CHAT_MODEL))
    with pytest.raises(gemini_errors.GeminiError) as err:
        gemini.invoke(server.client(), "hi", sleep=no_sleep)
    text = one_line(err.value)
    assert f"to '{FREE_TIER_CHAT_MODELS[0]}'" in text and f"to '{DEFAULT_CHAT_MODEL}'" not in text


# 4 · Timeout -----------------------------------------------------------------------------------


def test_timeout_is_one_line_and_not_retried(fake):
    server = fake(HANG)
    waits: list[float] = []
    with pytest.raises(gemini_errors.GeminiError) as err:
        gemini.invoke(server.client(timeout=0.5), "hi", sleep=waits.append)
    assert one_line(err.value) == (
        "Gemini did not answer within 0.5 s (timeout): try again, raise "
        "RAG_COURSE_GEMINI_TIMEOUT, or run offline (RAG_COURSE_MODE=offline)."
    )
    assert server.requests == 1 and waits == []


def test_chat_model_timeout_is_a_setting(online, monkeypatch):
    assert get_chat_model().timeout == 60
    monkeypatch.setenv("RAG_COURSE_GEMINI_TIMEOUT", "15")
    get_settings.cache_clear()
    llm = get_chat_model()
    assert llm.timeout == 15 and llm.max_retries == 1


@pytest.mark.parametrize("value", ["0", "-2", "some", "2.5"])
def test_gemini_questions_is_a_whole_number_or_all(monkeypatch, value):
    monkeypatch.setenv("RAG_COURSE_GEMINI_QUESTIONS", value)
    with pytest.raises(SettingsError, match="neither a positive whole number nor 'all'"):
        get_settings()
    monkeypatch.setenv("RAG_COURSE_GEMINI_QUESTIONS", "ALL")
    get_settings.cache_clear()
    assert get_settings().gemini_questions is None


@pytest.mark.parametrize("name", ["RAG_COURSE_GEMINI_TIMEOUT", "RAG_COURSE_GEMINI_RPM"])
@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_gemini_settings_must_be_positive_numbers(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"{name}='{value}' is not a positive number"):
        get_settings()


# 5 · Temperature and thinking ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "temperature", "expected"),
    [
        ("gemini-3.5-flash", None, (None, "low", None)),  # Gemini 3: Google's temperature
        ("gemini-3.5-flash", 0.3, (0.3, "low", None)),  # ... unless the learner asks
        ("gemini-3.1-pro-preview", None, (None, "low", None)),
        ("gemini-3.5-flash-lite", None, (None, None, None)),  # thinks minimally already
        ("gemini-2.5-flash", None, (0.0, None, 1024)),  # 2.x: 0.0 for determinism
        ("gemini-2.5-flash-lite", 0.5, (0.5, None, None)),
    ],
)
def test_chat_model_temperature_and_thinking(online, model, temperature, expected):
    online(model)
    llm = get_chat_model() if temperature is None else get_chat_model(temperature)
    assert (llm.model, llm.temperature, llm.thinking_level, llm.thinking_budget) == (
        model,
        *expected,
    )


def test_chat_model_options_reach_gemini(fake):
    server = fake(200)
    gemini.invoke(server.client(**gemini_options("gemini-3.5-flash")), "hi")
    gemini.invoke(server.client(**gemini_options("gemini-2.5-flash")), "hi")
    new, old = (body["generationConfig"] for body in server.bodies)
    assert "temperature" not in new and new["thinkingConfig"] == {"thinking_level": "LOW"}
    assert old["temperature"] == 0.0 and old["thinkingConfig"] == {"thinking_budget": 1024}


# 6 · The 404 hint names another model ----------------------------------------------------------


def test_missing_default_model_suggests_another(fake):
    with pytest.raises(gemini_errors.GeminiError) as err:
        gemini.invoke(fake(404).client(DEFAULT_CHAT_MODEL), "hi", sleep=no_sleep)
    assert one_line(err.value) == (
        f"Gemini has no model '{DEFAULT_CHAT_MODEL}' (retired or misspelt, like the seed's "
        f"'gemini-pro'): set RAG_COURSE_CHAT_MODEL, e.g. to '{FREE_TIER_CHAT_MODELS[0]}'."
    )


def test_other_model_is_never_the_failed_one():
    for failed in (
        None,
        "gemini-pro",
        DEFAULT_CHAT_MODEL,
        f"models/{DEFAULT_CHAT_MODEL}",
        *FREE_TIER_CHAT_MODELS,
    ):
        assert gemini_errors.other_model(failed) not in (
            failed,
            (failed or "").removeprefix("models/"),
        )


def test_model_is_found_inside_a_chain(fake):
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnableParallel, RunnablePassthrough

    llm = fake(404).client("gemini-pro")
    answer = ChatPromptTemplate.from_template("{question}") | llm | StrOutputParser()
    chain = RunnableParallel(question=RunnablePassthrough()).assign(answer=answer)
    assert gemini.model_name(chain) == "gemini-pro"
    with pytest.raises(gemini_errors.GeminiError, match="no model 'gemini-pro'"):
        gemini.invoke(chain, "hi", sleep=no_sleep)


# 7 · A daily quota stops at once, with the truth -----------------------------------------------


def test_daily_quota_is_not_retried_and_says_when_it_resets(fake):
    server = fake(daily_quota_spent(DEFAULT_CHAT_MODEL))
    waits: list[float] = []
    with pytest.raises(gemini_errors.GeminiError) as err:
        gemini.invoke(server.client(), "hi", sleep=waits.append)
    text = one_line(err.value)
    hours = __import__("math").ceil(gemini_errors.hours_to_pacific_midnight())
    assert text == (
        f"The daily free quota of '{DEFAULT_CHAT_MODEL}' is used up (429): it resets at midnight "
        f"Pacific time (in {hours} h); results so far are kept (answers are cached); or set "
        f"RAG_COURSE_CHAT_MODEL to '{FREE_TIER_CHAT_MODELS[0]}' (its own quota), or run offline "
        "(RAG_COURSE_MODE=offline)."
    )
    assert server.requests == 1 and waits == []  # no "wait 41 s": it would not clear


def test_per_minute_quota_is_still_retried_after_its_delay(fake):
    server = fake(rate_limited("7s"), 200)
    waits: list[float] = []
    assert gemini.invoke(server.client(), "hi", sleep=waits.append).content == "answer 2"
    assert waits == [7.0]


def test_a_daily_quota_stops_the_loop_and_keeps_the_results(fake, capsys):
    server = fake(200, 200, daily_quota_spent(DEFAULT_CHAT_MODEL))
    done: dict = {}
    gemini.ask_all(["a", "b", "c", "d"], server.client(), done=done, progress=False, sleep=no_sleep)
    line = capsys.readouterr().out.strip()
    print(line)
    assert [m.content for m in done.values()] == ["answer 1", "answer 2"]
    assert server.requests == 3  # the third item asked once, the fourth never
    assert line.startswith("Stopped after 2 of 4 (results kept in done=")
    assert "daily free quota" in line and "midnight Pacific" in line


@pytest.mark.parametrize(
    ("utc", "hours"),
    [
        ("2026-12-07T08:00:00+00:00", 24.0),  # midnight in California (PST, UTC-8)
        ("2026-12-07T20:00:00+00:00", 12.0),
        ("2026-07-07T06:30:00+00:00", 0.5),  # summer: PDT, UTC-7
    ],
)
def test_hours_to_pacific_midnight(utc, hours):
    import datetime as dt

    assert gemini_errors.hours_to_pacific_midnight(dt.datetime.fromisoformat(utc)) == hours


# 8 · Never pay twice: the answer cache -----------------------------------------------------------


@pytest.fixture
def online_at(online, fake, monkeypatch, tmp_path):
    """The course's chat model pointed at a loopback stand-in, with an empty cache folder."""
    monkeypatch.setenv("RAG_COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("RAG_COURSE_GEMINI_RPM", "6000")
    gemini.rate_limiter.cache_clear()

    def start(*script) -> FakeGemini:
        server = fake(*script)
        monkeypatch.setenv("RAG_COURSE_GEMINI_BASE_URL", server.url)
        get_settings.cache_clear()
        return server

    yield start
    gemini.rate_limiter.cache_clear()


def test_a_second_run_makes_no_request(online_at):
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    server = online_at(200)

    def run() -> list[str]:  # a fresh chain and model each time, as a re-run notebook builds
        chain = ChatPromptTemplate.from_template("Q: {q}") | get_chat_model() | StrOutputParser()
        return [chain.invoke({"q": "one"}), *chain.batch([{"q": "two"}, {"q": "one"}])]

    first = run()
    assert first == ["answer 1", "answer 2", "answer 1"] and server.requests == 2
    assert run() == first and server.requests == 2


def test_streaming_reads_and_fills_the_same_cache(online_at):
    server = online_at(200)
    llm = get_chat_model()
    streamed = [c.content for c in llm.stream("hello")]
    assert "".join(streamed) == "answer 1" and len([p for p in streamed if p]) == 2
    assert server.paths[-1].endswith(":streamGenerateContent?alt=sse")
    assert [c.content for c in get_chat_model().stream("hello")] == ["answer 1"]
    assert get_chat_model().invoke("hello").content == "answer 1"
    assert get_chat_model().invoke("bye").content == "answer 2"
    assert "".join(c.content for c in get_chat_model().stream("bye")) == "answer 2"
    assert server.requests == 2


def test_a_changed_setting_asks_again(online_at, monkeypatch):
    server = online_at(200)
    get_chat_model().invoke("hello")
    monkeypatch.setenv("RAG_COURSE_CHAT_MODEL", "gemini-3.5-flash-lite")
    get_settings.cache_clear()
    assert get_chat_model().invoke("hello").content == "answer 2" and server.requests == 2


def test_answers_are_kept_on_disk_without_the_key(online_at, tmp_path):
    online_at(200)
    get_chat_model().invoke("hello")
    files = list(tmp_path.glob("gemini-answers-*/*.json"))
    assert len(files) == 1 and FAKE_KEY not in files[0].read_text(encoding="utf-8")


def test_errors_are_not_cached(online_at):
    server = online_at(503, 200)
    with pytest.raises(gemini_errors.GeminiError, match="unavailable"):
        gemini.invoke(get_chat_model(), "hello", tries=1)
    assert gemini.invoke(get_chat_model(), "hello").content == "answer 2"
    assert server.requests == 2


# 9 · Evaluation loops sample their questions online --------------------------------------------


def test_sample_offline_returns_everything_silently(monkeypatch, capsys):
    monkeypatch.setenv("RAG_COURSE_MODE", "offline")
    get_settings.cache_clear()
    assert gemini.sample(range(40)) == list(range(40)) and capsys.readouterr().out == ""


def test_sample_online_says_what_the_loop_costs(online, monkeypatch, capsys):
    monkeypatch.setenv("RAG_COURSE_GEMINI_QUESTIONS", "4")
    get_settings.cache_clear()
    assert gemini.sample(range(40), "dev questions", requests_each=2) == [0, 10, 20, 30]
    assert capsys.readouterr().out.strip() == (
        "Gemini: 4 of 40 dev questions, 2 request(s) each: at most 8 requests (cached answers "
        "cost none; RAG_COURSE_GEMINI_QUESTIONS=all asks all 40)."
    )
    monkeypatch.setenv("RAG_COURSE_GEMINI_QUESTIONS", "all")
    get_settings.cache_clear()
    assert gemini.sample(range(3)) == [0, 1, 2]
