"""The bot's parts without Telegram: access, rate limit, uploads, feedback, log redaction, and
the fake Bot API's wire format."""

from __future__ import annotations

import json
import logging
import os
import stat
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from support.fakebotapi import Delay, ErrorReply, FakeBotAPI, Reset, fail_calls

from bot.answering.answers import Answer, Citation
from bot.settings import Settings
from bot.telegram.access import Access, RateLimit
from bot.telegram.app import file_url
from bot.telegram.buttons import keyboard
from bot.telegram.errors import UploadRejectedError
from bot.telegram.feedback import FeedbackLog, RecentAnswers
from bot.telegram.redaction import RedactSecret, redacted_logs
from bot.telegram.upload import replace_file, safe_name, save_upload

MB = 1024 * 1024


# --- access ------------------------------------------------------------------------------------
def test_access_lists() -> None:
    anyone = Access([], [9])
    assert anyone.is_allowed(1) and anyone.is_allowed(9) and not anyone.is_allowed(None)
    closed = Access([1, 2], [9])
    assert closed.is_allowed(1) and closed.is_allowed(9) and not closed.is_allowed(3)
    assert closed.is_admin(9) and not closed.is_admin(1) and not closed.is_admin(None)


def test_rate_limit_is_a_sliding_window_per_user() -> None:
    now = [0.0]
    limit = RateLimit(3, clock=lambda: now[0])
    for t in (0.0, 10.0, 20.0):
        now[0] = t
        assert limit.wait_time(1) == 0.0
    assert limit.wait_time(1) == pytest.approx(40.0)  # until the first one leaves the window
    assert limit.wait_time(2) == 0.0  # other users are not affected
    now[0] = 30.0
    assert limit.wait_time(1) == pytest.approx(30.0)  # refused questions do not count
    now[0] = 60.0
    assert limit.wait_time(1) == 0.0  # the first question left the window
    assert limit.wait_time(1) == pytest.approx(10.0)


# --- uploads -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sent", "saved"),
    [
        ("report.txt", "report.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        ("/abs/path/notes.PDF", "notes.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("my report (final) v2.html", "my_report_(final)_v2.html"),
        ("ünïcødé ✓ file.txt", "ünïcødé_file.txt"),
        ("a\x00b\nc.txt", "abc.txt"),
        ("x" * 300 + ".md", "x" * 97 + ".md"),
    ],
)
def test_safe_name(sent: str, saved: str) -> None:
    assert safe_name(sent) == saved


@pytest.mark.parametrize("sent", ["evil.exe", "noext", "....txt", "../.txt", "a.txt.sh", ""])
def test_safe_name_refuses(sent: str) -> None:
    with pytest.raises(UploadRejectedError):
        safe_name(sent)


def test_save_upload_never_overwrites(tmp_path: Path) -> None:
    """A file of the same name is left alone: the upload waits for the admin's confirm
    (``replaces``), and only :func:`replace_file` swaps the content in."""
    docs = tmp_path / "docs"
    first = save_upload(docs, "a.txt", b"one", MB)
    second = save_upload(docs, "a.txt", b"two", MB)
    third = save_upload(docs, "sub/../a.txt", b"three", MB)
    assert (first.name, second.name, third.name) == ("a.txt", "a.txt", "a.txt")
    assert not first.replaces and second.replaces and third.replaces
    assert (docs / "a.txt").read_bytes() == b"one"
    with pytest.raises(UploadRejectedError, match=r"already there as a\.txt"):
        save_upload(docs, "a.txt", b"one", MB)
    replace_file(docs, "a.txt", b"two")
    assert (docs / "a.txt").read_bytes() == b"two"
    assert sorted(os.listdir(docs)) == ["a.txt"]  # no temp files left


def test_save_upload_checks_size_and_content(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    cases = {
        ("big.txt", b"x" * (MB + 1)): "over the 1 MB limit",
        ("empty.txt", b""): "empty",
        ("fake.pdf", b"<html>not a pdf</html>"): "not a PDF",
        ("binary.txt", b"\x00\x01\x02" * 100): "binary",
        ("latin1.md", "café ".encode("cp1252") * 50): "not UTF-8",
        ("blank.txt", b"   \n\n  "): "no text",
    }
    for (name, data), reason in cases.items():
        with pytest.raises(UploadRejectedError, match=reason):
            save_upload(docs, name, data, MB)
    assert not docs.exists() or os.listdir(docs) == []
    assert save_upload(docs, "ok.pdf", b"%PDF-1.4\n...", MB).name == "ok.pdf"


def test_save_upload_stays_inside_the_folder(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (tmp_path / "outside.txt").write_text("original")
    os.symlink(tmp_path / "outside.txt", docs / "link.txt")
    saved = save_upload(docs, "link.txt", b"new", MB)
    assert saved.replaces and (tmp_path / "outside.txt").read_text() == "original"
    replace_file(docs, "link.txt", b"new")  # the link itself is replaced, never its target
    assert (tmp_path / "outside.txt").read_text() == "original"
    assert not (docs / "link.txt").is_symlink() and (docs / "link.txt").read_bytes() == b"new"


# --- answers memory and feedback ---------------------------------------------------------------
def answer() -> Answer:
    quote = "They will be managed by oblast Akims (Governors)."
    cit = Citation(1, "seed.txt", "paragraph 3", quote, (0, len(quote)), 0.9, "c1")
    return Answer("who manages?", "who manages?", f"{quote} [1]", True, (cit,))


def test_recent_answers_are_bounded() -> None:
    recent = RecentAnswers(size=3)
    keys = [recent.add(answer()) for _ in range(5)]
    assert len(set(keys)) == 5 and all(len(k) == 8 for k in keys)
    assert [recent.get(k) is not None for k in keys] == [False, False, True, True, True]
    assert recent.get("nope") is None


def test_feedback_lines_hash_users_with_a_private_salt(tmp_path: Path) -> None:
    path = tmp_path / "fb" / "feedback.jsonl"
    log = FeedbackLog(path)
    log.record(answer(), "up", 12345, now=0)
    log.record(answer(), "down", 12345)
    log.record(answer(), "up", 999)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["vote"] for x in lines] == ["up", "down", "up"]
    assert lines[0]["time"] == "1970-01-01T00:00:00Z"
    assert lines[0]["question"] == "who manages?" and lines[0]["answer"].endswith("[1]")
    assert lines[0]["sources"] == [
        {
            "n": 1,
            "source": "seed.txt",
            "location": "paragraph 3",
            "text": "They will be managed by oblast Akims (Governors).",
        }
    ]
    assert lines[0]["user"] == lines[1]["user"] != lines[2]["user"]
    assert "12345" not in path.read_text()
    salt = path.with_name("feedback.jsonl.salt")
    assert stat.S_IMODE(salt.stat().st_mode) == 0o600
    # the same salt next time (hashes stay comparable); another salt gives other hashes
    assert FeedbackLog(path).user_hash(12345) == lines[0]["user"]
    assert FeedbackLog(tmp_path / "other.jsonl").user_hash(12345) != lines[0]["user"]
    with pytest.raises(ValueError):
        log.record(answer(), "sideways", 1)


def test_feedback_lines_name_the_bot_and_one_log_outlives_a_token_change(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    FeedbackLog(path, "111").record(answer(), "up", 7)
    FeedbackLog(path, "222").record(answer(), "down", 7)  # a new token, the same log
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [(x["bot"], x["vote"]) for x in lines] == [("111", "up"), ("222", "down")]
    assert lines[0]["user"] == lines[1]["user"]  # the same user, whichever bot it asked


def test_buttons_fit_in_64_bytes() -> None:
    key = RecentAnswers().add(answer())
    rows = keyboard(key, True).inline_keyboard
    data = [b.callback_data for row in rows for b in row]
    assert data == [f"s:{key}", f"v:{key}:up", f"v:{key}:down"]
    assert all(len(str(d).encode()) <= 64 for d in data)
    assert [b.text for b in keyboard(key, False).inline_keyboard[0]] == ["👍", "👎"]


# --- settings and secrets ----------------------------------------------------------------------
def test_file_url_follows_the_base_url() -> None:
    def url(**kw: str) -> str:
        return file_url(Settings(_env_file=None, **kw))  # type: ignore[arg-type]

    assert url() == "https://api.telegram.org/file/bot"
    assert url(telegram_base_url="http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert url(telegram_base_file_url="http://x/files/bot") == "http://x/files/bot"


def test_token_is_redacted_from_messages_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    token = "123:SECRETtoken"
    log = logging.getLogger("docbot.test")
    caplog.set_level(logging.DEBUG)
    with redacted_logs(token):
        log.debug("url %s/getMe", f"https://api/bot{token}")
        try:
            raise RuntimeError(f"failed at /bot{token}/sendMessage")
        except RuntimeError:
            log.exception("oops")
    assert token not in caplog.text and "<token>" in caplog.text
    assert "RuntimeError: failed at /bot<token>/sendMessage" in caplog.text
    assert logging.getLogger("httpx").level == logging.WARNING
    assert all(
        not isinstance(f, RedactSecret) for h in logging.getLogger().handlers for f in h.filters
    )


# --- the fake Bot API speaks the wire format ---------------------------------------------------
def post(url: str, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, body, {"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_fake_api_wire_format(fake_bot_api: FakeBotAPI) -> None:
    api = fake_bot_api
    url = f"{api.base_url}{api.token}"
    form = "chat_id=5&text=%5B1%5D+a%26b&reply_markup=%7B%22inline_keyboard%22%3A%5B%5D%7D"
    status, reply = post(f"{url}/sendMessage", form.encode(), "application/x-www-form-urlencoded")
    assert status == 200 and reply["ok"] and reply["result"]["chat"]["id"] == 5
    call = api.calls_to("sendMessage")[0]
    assert call.params == {
        "chat_id": "5",
        "text": "[1] a&b",
        "reply_markup": {"inline_keyboard": []},
    }

    boundary = "XyZ"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n5\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="document"; '
        f'filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n'
    ).encode()
    status, _ = post(f"{url}/sendAudio", multipart, f"multipart/form-data; boundary={boundary}")
    assert status == 404  # recorded, but not a method the fake implements
    assert api.calls_to("sendAudio")[0].files == {"document": ("a.txt", b"hello")}
    assert api.calls_to("sendAudio")[0].params == {"chat_id": "5"}

    status, reply = post(
        f"{api.base_url}wrong:token/getMe", b"", "application/x-www-form-urlencoded"
    )
    assert status == 401 and not reply["ok"]

    first = api.private_text(1, "a")
    second = api.private_text(1, "b")
    _, reply = post(f"{url}/getUpdates", b"timeout=0", "application/x-www-form-urlencoded")
    assert [u["update_id"] for u in reply["result"]] == [first, second]
    _, reply = post(
        f"{url}/getUpdates", f"offset={second}".encode(), "application/x-www-form-urlencoded"
    )
    assert [u["update_id"] for u in reply["result"]] == [second]
    _, reply = post(
        f"{url}/getUpdates",
        f"offset={second + 1}&timeout=5".encode(),
        "application/x-www-form-urlencoded",
    )
    assert reply["result"] == []  # long poll, capped at long_poll_cap

    file_id = api.add_file(b"content", "documents/x.txt")
    _, reply = post(
        f"{url}/getFile", f"file_id={file_id}".encode(), "application/x-www-form-urlencoded"
    )
    path = reply["result"]["file_path"]
    with urllib.request.urlopen(f"{api.base_file_url}{api.token}/{path}", timeout=5) as response:
        assert response.read() == b"content"


def test_fake_api_fault_hook(fake_bot_api: FakeBotAPI) -> None:
    api = fake_bot_api
    url = f"{api.base_url}{api.token}"
    form = "application/x-www-form-urlencoded"
    api.faults.append(fail_calls("getMe", ErrorReply(429, "Too Many Requests", retry_after=3)))
    api.faults.append(
        fail_calls("sendMessage", ErrorReply(400, "Bad Request: can't parse entities"))
    )
    status, reply = post(f"{url}/getMe", b"", form)
    assert status == 429 and reply["parameters"] == {"retry_after": 3}
    assert post(f"{url}/getMe", b"", form)[0] == 200  # only the first call fails
    assert post(f"{url}/sendMessage", b"chat_id=1&text=x", form)[0] == 400
    api.faults[:] = [fail_calls("getMe", Reset())]
    with pytest.raises((ConnectionError, urllib.error.URLError, OSError)):
        post(f"{url}/getMe", b"", form)
    api.faults[:] = [fail_calls("getMe", Delay(0.3))]
    assert post(f"{url}/getMe", b"", form)[0] == 200
