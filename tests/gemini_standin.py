"""A loopback stand-in for the Gemini REST API, for the real ``ChatGoogleGenerativeAI`` client.

``FakeGemini(*script)`` answers the n-th request with the n-th entry of ``script`` (the last one
repeats): a status code (an error body from :data:`ANSWERS`, or a text answer for 200), a
``google.rpc.Status`` dict (its own code), or :data:`HANG` (no answer until the server closes).
A streaming request (``:streamGenerateContent``) gets its text answer as server-sent events, in
two pieces. It records the path and JSON body of every request.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from langchain_google_genai import ChatGoogleGenerativeAI

from helpers.settings import DEFAULT_CHAT_MODEL

FAKE_KEY = "AIza-not-a-real-key-for-tests-000000000"
HANG = "hang"

# Bodies in the shape of the Gemini REST API's error answers (google.rpc.Status).
ANSWERS: dict[int, dict[str, Any]] = {
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


def rate_limited(retry_delay: str) -> dict[str, Any]:
    """Return a 429 as the free tier sends it: per-minute quota, ``RetryInfo`` with the delay."""
    return {
        "code": 429,
        "status": "RESOURCE_EXHAUSTED",
        "message": "You exceeded your current quota, please check your plan and billing "
        "details.\n* Quota exceeded for metric: generativelanguage.googleapis.com/"
        "generate_content_free_tier_requests, limit: 10, model: gemini-3.5-flash",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
             "violations": [{"quotaMetric": "generativelanguage.googleapis.com/"
                             "generate_content_free_tier_requests",
                             "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay},
        ],
    }


def daily_quota_spent(model: str, limit: int = 20, retry: float = 41.5) -> dict[str, Any]:
    """Return the 429 Gemini sends when a free-tier *daily* quota is used up (``limit`` > 0)."""
    metric = "generativelanguage.googleapis.com/generate_content_free_tier_requests"
    return {
        "code": 429,
        "status": "RESOURCE_EXHAUSTED",
        "message": "You exceeded your current quota, please check your plan and billing "
        "details. For more information on this error, head to: "
        "https://ai.google.dev/gemini-api/docs/rate-limits.\n"
        f"* Quota exceeded for metric: {metric}, limit: {limit}, model: {model}\n"
        f"Please retry in {retry}s.",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
             "violations": [{"quotaMetric": metric,
                             "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                             "quotaDimensions": {"location": "global", "model": model},
                             "quotaValue": str(limit)}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{int(retry)}s"},
        ],
    }


def no_free_quota(model: str) -> dict[str, Any]:
    """Return the 429 Gemini sends for a model the free tier does not include (limit: 0)."""
    return daily_quota_spent(model, limit=0, retry=33.96)


def text_answer(text: str) -> dict[str, Any]:
    """Return a ``generateContent`` answer with one candidate saying ``text``."""
    return {
        "candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
    }


class FakeGemini:
    """A loopback HTTP server answering requests from a script; records what it was sent."""

    def __init__(self, *script: int | str | dict[str, Any]):
        self.script = list(script) or [200]
        self.paths: list[str] = []
        self.bodies: list[dict[str, Any]] = []
        self.released = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                size = int(self.headers.get("Content-Length") or 0)
                owner.bodies.append(json.loads(self.rfile.read(size) or b"{}"))
                owner.paths.append(self.path)
                entry = owner.script[min(len(owner.paths), len(owner.script)) - 1]
                if entry == HANG:
                    owner.released.wait(30)
                    return
                if isinstance(entry, dict):
                    code, data = entry["code"], {"error": entry}
                elif entry == 200:
                    code, data = 200, text_answer(f"answer {len(owner.paths)}")
                else:
                    code, data = entry, {"error": ANSWERS[entry]}
                kind = "application/json"
                raw = json.dumps(data).encode()
                if code == 200 and "streamGenerateContent" in self.path:
                    kind, text = "text/event-stream", f"answer {len(owner.paths)}"
                    pieces = (text[: len(text) // 2], text[len(text) // 2 :])
                    raw = b"".join(
                        b"data: " + json.dumps(text_answer(p)).encode() + b"\r\n\r\n"
                        for p in pieces
                    )
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except OSError:  # the client gave up (its timeout) before the answer
                    pass

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        poll = {"poll_interval": 0.05}  # close() returns within 50 ms
        threading.Thread(target=self.server.serve_forever, kwargs=poll, daemon=True).start()

    @property
    def requests(self) -> int:
        """Return how many requests the server received."""
        return len(self.paths)

    @property
    def url(self) -> str:
        """Return the base URL to give the client."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def client(self, model: str = DEFAULT_CHAT_MODEL, **options: Any) -> ChatGoogleGenerativeAI:
        """Return the real client, pointed at this server (one try, 10 s timeout by default)."""
        options = {"max_retries": 1, "timeout": 10, **options}
        return ChatGoogleGenerativeAI(
            model=model, google_api_key=FAKE_KEY, base_url=self.url, **options
        )

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
