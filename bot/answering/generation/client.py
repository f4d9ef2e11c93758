"""A client for an OpenAI-compatible chat server (Ollama, llama.cpp's server, vLLM, LM Studio,
a hosted API): ``POST {DOCBOT_LLM_URL}/v1/chat/completions``, streamed (server-sent events) or
not, on httpx.

The whole call has one deadline, ``timeout_s``: connecting, waiting and reading all count
against it. The call runs on a worker thread and the caller waits for it until the deadline
only, so a server that trickles tokens, or sends a byte just before the deadline and then
hangs, costs the question no more than ``timeout_s``; the abandoned call ends on httpx's own
timeout. The API key is sent only as
``Authorization: Bearer ...``; it is in no message, log line or error.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as WaitTimeout
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from bot.answering.generation.errors import (
    EmptyReplyError,
    MalformedReplyError,
    ServerStatusError,
    ServerTimeoutError,
    ServerUnreachableError,
)

CALLS = 8  # model calls in flight at once per server; more wait (within their deadline)
MAX_REPLY_CHARS = 20_000  # a reply longer than this is not an answer to one question
Message = dict[str, str]  # {"role": "system" | "user", "content": ...}


@dataclass(frozen=True)
class ServerConfig:
    url: str  # the base URL (".../v1" or its parent); chat completions are posted below it
    model: str = ""  # sent when set (Ollama needs it; llama.cpp's server serves one model)
    api_key: SecretStr | None = None
    timeout_s: float = 8.0
    max_tokens: int = 300
    stream: bool = True

    @property
    def endpoint(self) -> str:
        return completions_url(self.url)

    @property
    def host(self) -> str:
        """Where the server is, for log lines (no path, no user or password)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def completions_url(base: str) -> str:
    """``/v1/chat/completions`` under ``base``, whether or not ``base`` already ends in /v1."""
    base = base.strip().rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return f"{base}/chat/completions"
    return f"{base}/v1/chat/completions"


class ChatClient:
    """One model server; thread-safe (httpx's connection pool is shared by the calls)."""

    def __init__(self, config: ServerConfig, transport: httpx.BaseTransport | None = None):
        self.config = config
        headers = {"Accept": "text/event-stream" if config.stream else "application/json"}
        if config.api_key is not None and config.api_key.get_secret_value():
            headers["Authorization"] = f"Bearer {config.api_key.get_secret_value()}"
        self._http = httpx.Client(
            headers=headers, timeout=httpx.Timeout(config.timeout_s), transport=transport
        )
        self._calls = ThreadPoolExecutor(CALLS, thread_name_prefix="docbot-llm")

    def close(self) -> None:
        self._calls.shutdown(wait=False, cancel_futures=True)
        self._http.close()

    def complete(self, messages: Sequence[Message]) -> str:
        """The assistant's reply to ``messages``; raises a ``GenerationError`` saying why not,
        at the latest when ``timeout_s`` has passed."""
        deadline = time.monotonic() + self.config.timeout_s
        call = self._calls.submit(self._complete, messages, deadline)
        try:
            return call.result(timeout=max(0.0, deadline - time.monotonic()))
        except WaitTimeout:
            call.cancel()
            raise ServerTimeoutError(self.config.timeout_s) from None

    def _complete(self, messages: Sequence[Message], deadline: float) -> str:
        try:
            with self._http.stream("POST", self.config.endpoint, json=self._body(messages)) as r:
                if r.status_code >= 400:
                    raise ServerStatusError(r.status_code)
                text = self._read(r, deadline)
        except httpx.TimeoutException as exc:
            raise ServerTimeoutError(self.config.timeout_s) from exc
        except httpx.TransportError as exc:
            raise ServerUnreachableError(f"{self.config.host}: {type(exc).__name__}") from exc
        if not text.strip():
            raise EmptyReplyError()
        return text

    def _body(self, messages: Sequence[Message]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messages": list(messages),
            "max_tokens": self.config.max_tokens,
            "temperature": 0,
            "stream": self.config.stream,
        }
        if self.config.model:
            body["model"] = self.config.model
        return body

    def _read(self, response: httpx.Response, deadline: float) -> str:
        if self.config.stream and "event-stream" in response.headers.get("content-type", ""):
            return "".join(_within(deltas(response.iter_lines()), deadline, self.config))
        raw = "".join(_within(response.iter_text(), deadline, self.config))
        return message_content(_json(raw))


def _within(parts: Iterator[str], deadline: float, config: ServerConfig) -> Iterator[str]:
    """``parts`` until the deadline passes (then ServerTimeoutError) or the reply grows past
    ``MAX_REPLY_CHARS`` (then MalformedReplyError)."""
    size = 0
    for part in parts:
        if time.monotonic() > deadline:
            raise ServerTimeoutError(config.timeout_s)
        size += len(part)
        if size > MAX_REPLY_CHARS:
            raise MalformedReplyError(f"longer than {MAX_REPLY_CHARS} characters")
        yield part


def deltas(lines: Iterator[str]) -> Iterator[str]:
    """The content pieces of a streamed chat completion (``data: {...}`` lines, up to
    ``data: [DONE]``)."""
    for line in lines:
        if not line.startswith("data:"):
            continue  # comments, event names, keep-alives, blank separators
        data = line[5:].strip()
        if data == "[DONE]":
            return
        chunk = _json(data)
        if "error" in chunk:
            raise MalformedReplyError("an error event in the stream")
        choice = _first_choice(chunk)
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            raise MalformedReplyError("a stream event without a delta")
        content = delta.get("content")
        if content is not None and not isinstance(content, str):
            raise MalformedReplyError("a delta whose content is not text")
        if content:
            yield content


def message_content(body: dict[str, Any]) -> str:
    """``choices[0].message.content`` of a (non-streamed) chat completion."""
    message = _first_choice(body).get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if content is None:
        return ""
    if not isinstance(content, str):
        raise MalformedReplyError("message content is not text")
    return content


def _first_choice(body: dict[str, Any]) -> dict[str, Any]:
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedReplyError("no choices")
    choice: dict[str, Any] = choices[0]
    return choice


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise MalformedReplyError("invalid JSON") from exc
    if not isinstance(value, dict):
        raise MalformedReplyError("JSON that is not an object")
    return value
