"""Gemini failures, produced by the real client against the real network situation here:
no network at all, and a local HTTP server that answers the way the Gemini API answers
(tests/gemini_standin.py); then pacing loops, and the options the course's chat model gets."""

from __future__ import annotations

import pytest
from langchain_google_genai import ChatGoogleGenerativeAI

from helpers import gemini
from helpers.models import gemini_options, get_chat_model
from helpers.settings import DEFAULT_CHAT_MODEL, FREE_TIER_CHAT_MODELS, SettingsError, get_settings
from tests.gemini_standin import FAKE_KEY, HANG, FakeGemini, no_free_quota, rate_limited
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
    with pytest.raises(gemini.GeminiError, match="rejected the API key") as err:
        gemini.invoke(fake(400).client(), "hi", sleep=no_sleep)
    assert "\n" not in str(err.value) and FAKE_KEY not in str(err.value)


def test_retired_model_names_the_setting(fake):
    with pytest.raises(gemini.GeminiError, match="no model 'gemini-pro'.*RAG_COURSE_CHAT_MODEL"):
        gemini.invoke(fake(404).client("gemini-pro"), "hi", sleep=no_sleep)


@pytest.mark.parametrize(("code", "message"), [(429, "quota or rate limit"), (503, "unavailable")])
def test_quota_and_overload_are_retried_with_backoff(fake, code, message):
    server = fake(code)
    waits: list[float] = []
    with pytest.raises(gemini.GeminiError, match=f"{message}.*after 3 tries"):
        gemini.invoke(server.client(), "hi", tries=3, backoff=2.0, sleep=waits.append)
    assert server.requests == 3
    assert waits == [1.0, 2.0]


def test_no_network():
    # "No network" made the same on every machine: a loopback port where nothing listens (the
    # connection is refused), never Google's real host (a laptop with internet would reach it).
    llm = ChatGoogleGenerativeAI(
        model=DEFAULT_CHAT_MODEL, google_api_key=FAKE_KEY, max_retries=1, timeout=5,
        base_url=f"http://127.0.0.1:{free_port()}",
    )
    with pytest.raises(gemini.GeminiError, match="Cannot reach Gemini"):
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
    with pytest.raises(gemini.GeminiError, match=r"rate limit .* after 3 tries: wait 120 s") as err:
        gemini.invoke(server.client(), "hi", sleep=waits.append, max_delay=45)
    one_line(err.value)
    assert waits == [45.0, 45.0] and server.requests == 3


# 2 · Pacing loops ------------------------------------------------------------------------------


def test_paced_spaces_calls_to_the_rate(fake, monkeypatch):
    monkeypatch.setenv("RAG_COURSE_GEMINI_RPM", "30")
    server, clock = fake(200), Clock()
    out = gemini.paced(["a", "b", "c"], server.client(), progress=False, clock=clock,
                       sleep=clock.sleep)
    assert [m.content for m in out.values()] == ["answer 1", "answer 2", "answer 3"]
    assert list(out) == ["a", "b", "c"] and clock.waits == [2.0, 2.0]


def test_paced_counts_the_time_calls_take():
    clock = Clock()

    def slow(item: str) -> str:
        clock.now += 2.5  # the call itself takes 2.5 s of the 6 s between two starts
        return item.upper()

    out = gemini.paced(["a", "b", "c"], slow, rate_per_minute=10, progress=False, clock=clock,
                       sleep=clock.sleep)
    assert out == {"a": "A", "b": "B", "c": "C"} and clock.waits == [3.5, 3.5]


def test_paced_keeps_partial_results_and_resumes(fake, capsys):
    clock, done = Clock(), {}
    questions = [{"id": f"q{i}", "text": f"question {i}"} for i in range(4)]

    def ask(llm):
        return lambda q: gemini.invoke(llm, q["text"], sleep=clock.sleep).content

    failing = fake(200, 200, 503)  # answers twice, then is overloaded for good
    out = gemini.paced(questions, ask(failing.client()), done=done, key=lambda q: q["id"],
                       progress=False, clock=clock, sleep=clock.sleep)
    line = capsys.readouterr().out.strip()
    print(line)
    assert out is done and done == {"q0": "answer 1", "q1": "answer 2"}
    assert line.startswith("Stopped after 2 of 4 (results kept in done=, call again with it")
    assert "unavailable (503) after 3 tries" in line and "\n" not in line

    working = fake(200)
    gemini.paced(questions, ask(working.client()), done=done, key=lambda q: q["id"],
                 progress=False, clock=clock, sleep=clock.sleep)
    assert working.requests == 2 and list(done) == ["q0", "q1", "q2", "q3"]


def test_paced_returns_what_it_has_without_a_done_dict(fake, capsys):
    server, clock = fake(200, no_free_quota("gemini-2.5-pro")), Clock()
    out = gemini.paced(["a", "b", "c"], server.client("gemini-2.5-pro"), progress=False,
                       clock=clock, sleep=clock.sleep)
    line = capsys.readouterr().out.strip()
    print(line)
    assert [m.content for m in out.values()] == ["answer 1"] and server.requests == 2
    assert line.startswith("Stopped after 1 of 3 (results so far returned, pass them as done=")
    assert "no free quota" in line


def test_paced_shows_progress_and_keeps_results_on_interrupt(capsys):
    clock = Clock()

    def stop_at_c(item: str) -> str:
        if item == "c":
            raise KeyboardInterrupt
        return item

    out = gemini.paced("abcd", stop_at_c, rate_per_minute=60, clock=clock, sleep=clock.sleep)
    captured = capsys.readouterr()
    assert out == {"a": "a", "b": "b"} and "2/4" in captured.err  # tqdm's bar, on stderr
    assert captured.out.strip() == (
        "Stopped after 2 of 4 (results so far returned, pass them as done= to resume): "
        "interrupted."
    )


def test_paced_lets_a_bug_through_and_keeps_results():
    done: dict = {}

    def buggy(item: dict) -> str:
        return item["answer"]  # KeyError on the second item: the learner's bug, not Gemini's

    with pytest.raises(KeyError):
        gemini.paced([{"answer": "x"}, {}], buggy, done=done, progress=False, sleep=no_sleep)
    assert done == {0: "x"}  # unhashable items are keyed by position


# 3 · A model without free quota --------------------------------------------------------------


def test_model_without_free_quota_is_not_retried(fake):
    server = fake(no_free_quota("gemini-2.5-pro"))
    waits: list[float] = []
    with pytest.raises(gemini.GeminiError) as err:
        gemini.invoke(server.client("gemini-2.5-pro"), "hi", sleep=waits.append)
    assert one_line(err.value) == (
        "Gemini model 'gemini-2.5-pro' has no free quota (429, limit: 0): set "
        f"RAG_COURSE_CHAT_MODEL to '{DEFAULT_CHAT_MODEL}', which has one, or enable billing."
    )
    assert server.requests == 1 and waits == []


def test_default_without_free_quota_names_another_model(fake):
    server = fake(no_free_quota(DEFAULT_CHAT_MODEL))
    with pytest.raises(gemini.GeminiError) as err:
        gemini.invoke(server.client(), "hi", sleep=no_sleep)
    text = one_line(err.value)
    assert f"to '{FREE_TIER_CHAT_MODELS[1]}'" in text and f"to '{DEFAULT_CHAT_MODEL}'" not in text


# 4 · Timeout -----------------------------------------------------------------------------------


def test_timeout_is_one_line_and_not_retried(fake):
    server = fake(HANG)
    waits: list[float] = []
    with pytest.raises(gemini.GeminiError) as err:
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
    with pytest.raises(gemini.GeminiError) as err:
        gemini.invoke(fake(404).client(DEFAULT_CHAT_MODEL), "hi", sleep=no_sleep)
    assert one_line(err.value) == (
        f"Gemini has no model '{DEFAULT_CHAT_MODEL}' (retired or misspelt, like the seed's "
        f"'gemini-pro'): set RAG_COURSE_CHAT_MODEL, e.g. to '{FREE_TIER_CHAT_MODELS[1]}'."
    )


def test_other_model_is_never_the_failed_one():
    for failed in (None, "gemini-pro", DEFAULT_CHAT_MODEL, f"models/{DEFAULT_CHAT_MODEL}",
                   *FREE_TIER_CHAT_MODELS):
        assert gemini.other_model(failed) not in (failed, (failed or "").removeprefix("models/"))


def test_model_is_found_inside_a_chain(fake):
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnableParallel, RunnablePassthrough

    llm = fake(404).client("gemini-pro")
    answer = ChatPromptTemplate.from_template("{question}") | llm | StrOutputParser()
    chain = RunnableParallel(question=RunnablePassthrough()).assign(answer=answer)
    assert gemini.model_name(chain) == "gemini-pro"
    with pytest.raises(gemini.GeminiError, match="no model 'gemini-pro'"):
        gemini.invoke(chain, "hi", sleep=no_sleep)
