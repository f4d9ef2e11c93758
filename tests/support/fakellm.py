"""A fake OpenAI-compatible chat server on 127.0.0.1: ``POST /v1/chat/completions`` answered
with scripted replies in the real wire format (a JSON chat completion, or server-sent events
when the request asks to ``stream``), or with a scripted fault.

Every request is recorded (headers and JSON body), so tests can see what reached the server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ("500", "hang", "malformed", "empty", "stall", "trickle", "late_stall")
Reply = str | Callable[[str], str]  # a text, a fault, or the text made from the user's prompt


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeLLM:
    """Replies come from ``script`` in order (the last one repeats). A reply is the model's
    text (or a function of the last message's content that returns it), or one of ``FAULTS``:
    "500" (an HTTP error), "hang" (no answer until released),
    "malformed" (a body that is not JSON), "empty" (an empty content), "stall" (a stream that
    starts, then hangs), "trickle" (a stream of one word every 0.3 s that never ends),
    "late_stall" (one word every 0.3 s for 0.9 s, then nothing: the last byte lands just before
    a 1 s deadline)."""

    script: list[Reply] = field(default_factory=lambda: ["I do not know."])
    requests: list[Recorded] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def next_reply(self, body: dict[str, Any]) -> str:
        i = min(len(self.requests) - 1, len(self.script) - 1)
        reply = self.script[max(i, 0)]
        if callable(reply):
            return reply(str(body.get("messages", [{}])[-1].get("content", "")))
        return reply


def _handler(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def handle(self) -> None:
            with suppress(BrokenPipeError, ConnectionResetError):  # a client hung up: fine
                super().handle()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            fake.requests.append(Recorded(self.path, dict(self.headers.items()), body))
            if self.path != "/v1/chat/completions":
                self._send(404, "application/json", b'{"error": "not found"}')
                return
            reply = fake.next_reply(body)
            with suppress(BrokenPipeError, ConnectionResetError):
                self._answer(reply, bool(body.get("stream")))

        def _answer(self, reply: str, stream: bool) -> None:
            if reply == "500":
                self._send(500, "application/json", b'{"error": {"message": "boom"}}')
            elif reply == "hang":
                fake.released.wait(30)
            elif reply == "malformed":
                self._send(200, "application/json", b'{"choices": [{"message": {"content": "x')
            elif reply in ("trickle", "late_stall"):
                self._trickle(words=3 if reply == "late_stall" else None)
            elif stream:
                self._stream("" if reply == "empty" else reply, stall=reply == "stall")
            else:
                content = "" if reply == "empty" else reply
                self._send(200, "application/json", json.dumps(completion(content)).encode())

        def _send(self, status: int, kind: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, reply: str, stall: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            first = {"choices": [{"index": 0, "delta": {"role": "assistant"}}]}
            self._event(json.dumps(first))
            if stall:
                fake.released.wait(30)
                return
            words = reply.split(" ")
            for i, word in enumerate(words):
                piece = word if i == len(words) - 1 else word + " "
                self._event(json.dumps(chunk(piece)))
            self._event(
                json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            )
            self._event("[DONE]")
            self.close_connection = True

        def _trickle(self, words: int | None) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            sent = 0
            while not fake.released.wait(0.3):
                if words is not None and sent >= words:
                    continue  # stalled: the connection stays open, nothing more comes
                self._event(json.dumps(chunk("word ")))
                sent += 1

        def _event(self, data: str) -> None:
            self.wfile.write(f"data: {data}\n\n".encode())
            self.wfile.flush()

    return Handler


def completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
    }


def chunk(piece: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "model": "fake",
        "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
    }


@contextmanager
def running_fake_llm(*script: Reply) -> Iterator[FakeLLM]:
    fake = FakeLLM(list(script) or ["I do not know."])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    # a short poll interval: shutdown() waits for the loop's next poll (0.5 s by default)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield fake
    finally:
        fake.released.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
