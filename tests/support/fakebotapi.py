"""A fake Telegram Bot API server for end-to-end tests: stdlib HTTP on 127.0.0.1, real wire format.

POST ``/bot<token>/<method>`` with a form-encoded or multipart body (non-scalar fields are JSON
strings inside the form), ``{"ok": ..., "result": ...}`` replies, ``getUpdates`` with offsets and
a long poll capped at ``long_poll_cap`` seconds, ``getFile`` and GET ``/file/bot<token>/<path>``.
Every request is recorded as a :class:`Call`. Forum supergroups (topics) come from
``group_text(..., topic=N)``: their messages carry ``is_topic_message`` and ``message_thread_id``,
and, as Telegram does, a ``message_thread_id`` sent to a chat that has no topics is refused.

Fault modes plug in through :attr:`FakeBotAPI.faults`: each is a callable that sees the
:class:`Call` before it is answered and returns ``None`` (no fault) or an action -
:class:`ErrorReply` (e.g. 429 with ``retry_after``, 500, 502, 400), :class:`Delay` (a slow
response) or :class:`Reset` (drop the connection). :func:`fail_calls` builds a common one.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

T = TypeVar("T")

# Fields the Bot API decodes as JSON when they come inside a form (the rest are scalars).
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "reply_parameters",
        "link_preview_options",
        "media",
        "results",
    }
)


@dataclass(frozen=True)
class Call:
    """One request the server received."""

    method: str  # Bot API method, or "download" for a file download
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]  # multipart field -> (filename, content)
    token: str
    at: float


@dataclass(frozen=True)
class ErrorReply:
    """Answer with an error: ``{"ok": false, "error_code": status, ...}``."""

    status: int
    description: str = "Internal Server Error"
    retry_after: int | None = None


@dataclass(frozen=True)
class Delay:
    """Sleep before answering normally (a slow server)."""

    seconds: float


@dataclass(frozen=True)
class Reset:
    """Close the connection without answering; with ``processed``, only after carrying out the
    call (Telegram did send the message, but its reply was lost on the way)."""

    processed: bool = False


Action = ErrorReply | Delay | Reset
Fault = Callable[[Call], Action | None]


def fail_calls(method: str, action: Action, times: int = 1) -> Fault:
    """A fault that answers the next ``times`` calls to ``method`` with ``action``."""
    left = itertools.count(times, -1)

    def fault(call: Call) -> Action | None:
        if call.method == method and next(left) > 0:
            return action
        return None

    return fault


@dataclass
class _File:
    file_id: str
    path: str
    content: bytes


@dataclass
class FakeBotAPI:
    token: str
    bot_id: int = 7000001
    bot_username: str = "docs_test_bot"
    long_poll_cap: float = 0.5
    html_check: Callable[[str], list[str]] | None = None  # 400 "can't parse entities" if problems
    faults: list[Fault] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # every Message it returned
    # the language_code each user's Telegram app sends in its "from" (none when not set here)
    languages: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self.pushed: list[dict[str, Any]] = []  # every update queued, in order
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._files: dict[str, _File] = {}
        self.forums: set[int] = set()  # chats with topics (a topic message was pushed there)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeBotAPI:
        handler = type("Handler", (_Handler,), {"api": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # a short poll interval: shutdown() waits for the loop's next poll (0.5 s by default)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._cond:
            self._cond.notify_all()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- the test side -----------------------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update (without ``update_id``; one is assigned and returned)."""
        with self._cond:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self.pushed.append(self._updates[-1])
            self._cond.notify_all()
        return update_id

    def deliver_again(self, update: dict[str, Any]) -> None:
        """Queue an update already delivered, unchanged (Telegram re-sends what was not
        confirmed)."""
        with self._cond:
            self._updates.append(dict(update))
            self._cond.notify_all()

    def restart_numbering(self) -> None:
        """Number the next updates from 1 again, as a restarted self-hosted Bot API server
        does (message ids go on: they belong to the chats)."""
        with self._cond:
            self._update_ids = itertools.count(1)

    def user(
        self, user_id: int, first_name: str = "Test", username: str | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            out["username"] = username
        if user_id in self.languages:
            out["language_code"] = self.languages[user_id]
        return out

    def _message(self, chat: dict[str, Any], user_id: int, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id),
            **fields,
        }

    @staticmethod
    def _entities(text: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            out.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command)})
        for m in re.finditer(r"@\w+", text):
            out.append(
                {
                    "type": "mention",
                    "offset": _utf16_len(text[: m.start()]),
                    "length": _utf16_len(m.group(0)),
                }
            )
        return out

    def private_text(self, user_id: int, text: str, **extra: Any) -> int:
        """A text message from ``user_id`` in its private chat with the bot."""
        return self.push_update({"message": self.private_message(user_id, text, **extra)})

    def private_message(self, user_id: int, text: str, **extra: Any) -> dict[str, Any]:
        """The Message dict of a text from ``user_id`` in its private chat (not queued)."""
        chat = {"id": user_id, "type": "private", "first_name": "Test"}
        return self._text(chat, user_id, text, **extra)

    def group_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to: dict[str, Any] | None = None,
        topic: int | None = None,
    ) -> int:
        """A text message in group ``chat_id`` (negative); ``reply_to`` is a message dict;
        with ``topic``, a message in that forum topic (the group is then a forum)."""
        extra: dict[str, Any] = {"reply_to_message": reply_to} if reply_to else {}
        extra.update(self._topic(chat_id, topic))
        chat = self._group_chat(chat_id)
        return self.push_update({"message": self._text(chat, user_id, text, **extra)})

    def _group_chat(self, chat_id: int) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": "supergroup", "title": "Test group"}
        if chat_id in self.forums:
            chat["is_forum"] = True
        return chat

    def _topic(self, chat_id: int, topic: int | None) -> dict[str, Any]:
        """The fields of a message in forum topic ``topic`` of ``chat_id`` (none without)."""
        if topic is None:
            return {}
        with self._cond:
            self.forums.add(chat_id)
        return {"message_thread_id": topic, "is_topic_message": True}

    def _text(self, chat: dict[str, Any], user_id: int, text: str, **extra: Any) -> dict[str, Any]:
        entities = self._entities(text)
        fields: dict[str, Any] = {"text": text, **extra}
        if entities:
            fields["entities"] = entities
        return self._message(chat, user_id, **fields)

    def add_file(self, content: bytes, path: str) -> str:
        """Store a file the bot can fetch through getFile; returns its file_id."""
        file_id = f"file{len(self._files) + 1}"
        self._files[file_id] = _File(file_id, path, content)
        return file_id

    def private_document(
        self,
        user_id: int,
        file_name: str,
        content: bytes,
        mime_type: str = "text/plain",
        caption: str | None = None,
        file_size: int | None = None,
    ) -> int:
        """A document sent by ``user_id`` in its private chat; the file is served by getFile."""
        chat = {"id": user_id, "type": "private", "first_name": "Test"}
        return self._document(chat, user_id, file_name, content, mime_type, caption, file_size)

    def group_document(
        self,
        chat_id: int,
        user_id: int,
        file_name: str,
        content: bytes,
        caption: str | None = None,
        topic: int | None = None,
    ) -> int:
        """A document shared in group ``chat_id`` (in forum topic ``topic``, if given)."""
        extra = self._topic(chat_id, topic)
        chat = self._group_chat(chat_id)
        return self._document(
            chat, user_id, file_name, content, "text/plain", caption, None, **extra
        )

    def _document(
        self,
        chat: dict[str, Any],
        user_id: int,
        file_name: str,
        content: bytes,
        mime_type: str,
        caption: str | None,
        file_size: int | None,
        **extra: Any,
    ) -> int:
        file_id = self.add_file(content, f"documents/file_{len(self._files) + 1}")
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content) if file_size is None else file_size,
        }
        fields: dict[str, Any] = {"document": document, **extra}
        if caption:
            fields["caption"] = caption
            entities = self._entities(caption)
            if entities:
                fields["caption_entities"] = entities
        return self.push_update({"message": self._message(chat, user_id, **fields)})

    def private_sticker(self, user_id: int) -> int:
        chat = {"id": user_id, "type": "private", "first_name": "Test"}
        sticker = {
            "file_id": "sticker1",
            "file_unique_id": "usticker1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.push_update({"message": self._message(chat, user_id, sticker=sticker)})

    def callback_query(self, user_id: int, message: dict[str, Any], data: str) -> int:
        """A tap on an inline button with ``data`` under ``message`` (a sent-message dict)."""
        query = {
            "id": f"cq{next(self._update_ids)}",
            "from": self.user(user_id),
            "chat_instance": "ci1",
            "message": message,
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """The sendMessage calls, optionally to one chat."""
        return [
            c
            for c in self.calls_to("sendMessage")
            if chat_id is None or str(c.params.get("chat_id")) == str(chat_id)
        ]

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 20.0) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every call); returns its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"fake Bot API: condition not met within {timeout} s")
                self._cond.wait(min(left, 0.2))

    def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 20.0) -> list[Call]:
        """Wait for at least ``count`` sendMessage calls to ``chat_id``; returns them all."""
        return self.wait_for(
            lambda: (lambda s: s if len(s) >= count else None)(self.sent(chat_id)), timeout
        )

    def wait_idle(self, quiet: float = 0.6, timeout: float = 20.0) -> None:
        """Wait until no update is pending and nothing but polling happened for ``quiet`` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                pending = bool(self._updates)
                last = max((c.at for c in self.calls if c.method != "getUpdates"), default=0.0)
            if not pending and time.monotonic() - last >= quiet:
                return
            time.sleep(0.05)
        raise TimeoutError("fake Bot API: the bot did not go idle")

    # --- the server side -------------------------------------------------------------------
    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _fault_for(self, call: Call) -> Action | None:
        for fault in list(self.faults):
            action = fault(call)
            if action is not None:
                return action
        return None

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The reply (HTTP status, JSON body) to one Bot API call."""
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            result = handler(params)
        except _BadRequest as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        return 200, {"ok": True, "result": result}

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Docs",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return self._bot_user()

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        return True

    def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        self._check_topic(params)
        return True

    def _check_topic(self, params: dict[str, Any]) -> dict[str, Any]:
        """The topic fields of a message sent with ``params``; a ``message_thread_id`` for a
        chat without topics is refused, as Telegram does."""
        if "message_thread_id" not in params:
            return {}
        chat_id = int(params["chat_id"])
        if chat_id not in self.forums:
            raise _BadRequest("message thread not found")
        return {"message_thread_id": int(params["message_thread_id"]), "is_topic_message": True}

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), self.long_poll_cap)
        deadline = time.monotonic() + wait
        with self._cond:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return list(self._updates[:limit])

    def _sent_message(self, params: dict[str, Any], **fields: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        chat: dict[str, Any] = (
            {"id": chat_id, "type": "private", "first_name": "Test"}
            if chat_id > 0
            else self._group_chat(chat_id)
        )
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(),
            **self._check_topic(params),
            **fields,
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        with self._cond:
            self.messages.append(message)
        return message

    def _check_text(self, text: str, parse_mode: str | None) -> None:
        if not text.strip():
            raise _BadRequest("message text is empty")
        if parse_mode == "HTML" and self.html_check is not None:
            problems = self.html_check(text)
            if problems:
                raise _BadRequest(f"can't parse entities: {problems[0]}")
        elif len(text) > 4096:
            raise _BadRequest("message is too long")

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text", ""))
        self._check_text(text, params.get("parse_mode"))
        return self._sent_message(params, text=text)

    def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text", ""))
        self._check_text(text, params.get("parse_mode"))
        return self._sent_message(params, text=text, edit_date=int(time.time()))

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return self._sent_message(params, text="(edited)", edit_date=int(time.time()))

    def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        """A document sent as a multipart upload (its bytes are in the call's ``files``)."""
        document = {"file_id": f"doc{len(self.messages)}", "file_unique_id": "d"}
        return self._sent_message(params, document=document, caption=params.get("caption", ""))

    def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        """A photo sent as a multipart upload (its bytes are in the call's ``files``)."""
        size = {"file_id": f"photo{len(self.messages)}", "file_unique_id": "p"}
        photo = [{**size, "width": 640, "height": 300}]
        return self._sent_message(params, photo=photo, caption=params.get("caption", ""))

    def _m_getFile(self, params: dict[str, Any]) -> Any:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise _BadRequest("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": f"u{stored.file_id}",
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    def file_content(self, path: str) -> bytes | None:
        for stored in self._files.values():
            if stored.path == path:
                return stored.content
        return None


def invalid_texts(api: FakeBotAPI, check: Callable[[str], list[str]]) -> list[str]:
    """Every sendMessage/editMessageText text Telegram would refuse, with the reason."""
    bad = []
    for call in api.calls:
        if call.method not in ("sendMessage", "editMessageText"):
            continue
        text = str(call.params.get("text", ""))
        if call.params.get("parse_mode") == "HTML":
            problems = check(text)
        else:
            problems = ["too long"] if len(text) > 4096 or not text.strip() else []
        if problems:
            bad.append(f"{problems} in {text[:200]!r}")
    return bad


def random_token() -> str:
    """A token of Telegram's shape: ``<bot id>:<secret>``."""
    return f"{secrets.randbelow(10**9)}:AA{secrets.token_urlsafe(24)}"


@contextlib.contextmanager
def running_fake_api(**fields: Any) -> Iterator[FakeBotAPI]:
    """A running fake Bot API with a random token; on leaving, every text the bot sent must
    have been valid Telegram HTML (or plain text) within 4096 characters."""
    from .telegram_html import telegram_html_problems

    api = FakeBotAPI(random_token(), html_check=telegram_html_problems, **fields).start()
    try:
        yield api
    finally:
        api.stop()
    assert invalid_texts(api, telegram_html_problems) == []


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _BadRequest(Exception):
    pass


def _decode_form(body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        params[key] = json.loads(value) if key in JSON_FIELDS else value
    return params


def _decode_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        decoded = part.get_payload(decode=True)  # a non-multipart part: its bytes, or None
        payload = decoded if isinstance(decoded, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = (filename, payload)
        else:
            value = payload.decode("utf-8")
            params[str(name)] = json.loads(value) if name in JSON_FIELDS else value
    return params, files


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: FakeBotAPI

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (PTB cancels a long poll on shutdown)

    def _split_path(self) -> tuple[str, str, str] | None:
        """(kind, token, rest) for ``/bot<token>/<rest>`` or ``/file/bot<token>/<rest>``."""
        path = unquote(urlsplit(self.path).path)
        for kind, prefix in (("file", "/file/bot"), ("api", "/bot")):
            if path.startswith(prefix):
                token, _, rest = path[len(prefix) :].partition("/")
                return kind, token, rest
        return None

    def _reset(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _apply(self, action: Action | None) -> bool:
        """Carry out a fault action; True when the request has been dealt with."""
        if isinstance(action, Delay):
            time.sleep(action.seconds)
            return False
        if isinstance(action, Reset) and action.processed:
            return False  # handled after the call took effect
        if isinstance(action, Reset):
            self._reset()
            return True
        if isinstance(action, ErrorReply):
            body: dict[str, Any] = {
                "ok": False,
                "error_code": action.status,
                "description": action.description,
            }
            if action.retry_after is not None:
                body["parameters"] = {"retry_after": action.retry_after}
            self._send(action.status, json.dumps(body).encode())
            return True
        return False

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = self._split_path()
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            params, files = _decode_multipart(content_type, body)
        elif content_type.startswith("application/json") and body:
            params, files = json.loads(body), {}
        else:
            params, files = _decode_form(body), {}
        if parts is None or parts[0] != "api":
            self._send(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
            return
        _, token, method = parts
        call = Call(method, params, files, token, time.monotonic())
        self.api._record(call)
        action = self.api._fault_for(call)
        if self._apply(action):
            return
        if token != self.api.token:
            status, reply = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            status, reply = self.api.handle(method, params)
        if isinstance(action, Reset):  # processed, then the connection drops
            self._reset()
            return
        self._send(status, json.dumps(reply, ensure_ascii=False).encode("utf-8"))

    def do_GET(self) -> None:
        parts = self._split_path()
        if parts is None or parts[0] != "file":
            self._send(404, b"not found", "text/plain")
            return
        _, token, path = parts
        call = Call("download", {"file_path": path}, {}, token, time.monotonic())
        self.api._record(call)
        if self._apply(self.api._fault_for(call)):
            return
        content = self.api.file_content(path) if token == self.api.token else None
        if content is None:
            self._send(404, b"not found", "text/plain")
        else:
            self._send(200, content, "application/octet-stream")
