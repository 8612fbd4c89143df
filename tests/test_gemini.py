"""Gemini failures, produced by the real client against the real network situation here:
no network at all, and a local HTTP server that answers the way the Gemini API answers."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from langchain_google_genai import ChatGoogleGenerativeAI

from helpers import gemini
from helpers.settings import DEFAULT_CHAT_MODEL
from tests.support import free_port

FAKE_KEY = "AIza-not-a-real-key-for-tests-000000000"

# Bodies in the shape of the Gemini REST API's error answers (google.rpc.Status).
ANSWERS = {
    400: {"code": 400, "status": "INVALID_ARGUMENT",
          "message": "API key not valid. Please pass a valid API key.",
          "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                       "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]},
    404: {"code": 404, "status": "NOT_FOUND",
          "message": "models/gemini-pro is not found for API version v1beta, or is not "
                     "supported for generateContent."},
    429: {"code": 429, "status": "RESOURCE_EXHAUSTED",
          "message": "You exceeded your current quota, please check your plan and billing."},
    503: {"code": 503, "status": "UNAVAILABLE", "message": "The model is overloaded."},
}


class FakeGemini:
    """A loopback HTTP server answering every request with one status code; counts requests."""

    def __init__(self, code: int):
        self.code, self.requests = code, 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                owner.requests += 1
                data = json.dumps({"error": ANSWERS[owner.code]}).encode()
                self.send_response(owner.code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def client(self, model: str = DEFAULT_CHAT_MODEL) -> ChatGoogleGenerativeAI:
        return ChatGoogleGenerativeAI(
            model=model, google_api_key=FAKE_KEY, max_retries=0, timeout=10,
            base_url=f"http://127.0.0.1:{self.server.server_address[1]}",
        )

    def close(self):
        self.server.shutdown()


@pytest.fixture
def fake():
    servers = []

    def start(code: int) -> FakeGemini:
        servers.append(FakeGemini(code))
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
        model=DEFAULT_CHAT_MODEL, google_api_key=FAKE_KEY, max_retries=0, timeout=5,
        base_url=f"http://127.0.0.1:{free_port()}",
    )
    with pytest.raises(gemini.GeminiError, match="Cannot reach Gemini"):
        gemini.invoke(llm, "hi", sleep=no_sleep)


def test_success_passes_through():
    class Echo:
        def invoke(self, value):
            return value.upper()

    assert gemini.invoke(Echo(), "ok") == "OK"
