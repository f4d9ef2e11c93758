"""Access rules end to end, filling what test_telegram_e2e.py leaves out: allowed users in
groups, admin-only commands in groups, buttons pressed by outsiders or carrying another chat's
answer, and hostile upload names - nothing is written outside the documents folder and nothing
existing is overwritten."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from support.bots import (
    ADMIN,
    GROUP,
    RunningBot,
    bot_settings,
    button_data,
    last_with_buttons,
    settle,
    texts,
)
from support.fakebotapi import FakeBotAPI
from support.paths import SEED_NAME, read_jsonl

from bot.answering.engine import Engine
from bot.telegram.replies import FORGOTTEN, NOT_ADMIN, REFUSED

pytestmark = pytest.mark.model

MEMBER = 801  # allowed
OUTSIDER = 802  # not allowed
QUESTION = "Who reported the story?"


def test_allowed_users_in_groups(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
) -> None:
    api = fake_bot_api
    settings = bot_settings(api, seed_engine, tmp_path, allowed_users=[MEMBER])
    mention = f"@{api.bot_username}"
    with RunningBot(settings, seed_engine, api):
        api.group_text(GROUP, OUTSIDER, "just chatting, not for the bot")  # silent
        settle(api)
        assert api.sent(GROUP) == []
        api.group_text(GROUP, OUTSIDER, f"{mention} {QUESTION}")
        refused = texts(api.wait_sent(GROUP))[0]
        api.group_text(GROUP, OUTSIDER, f"/ask {QUESTION}")
        refused_ask = texts(api.wait_sent(GROUP, 2))[1]
        api.group_text(GROUP, MEMBER, f"{mention} {QUESTION}")
        answered = texts(api.wait_sent(GROUP, 3))[2]
        api.group_text(GROUP, ADMIN, f"/ask {QUESTION}")  # admins always may
        answered_admin = texts(api.wait_sent(GROUP, 4))[3]
        # non-admins cannot /reload in a group either; an admin can
        api.group_text(GROUP, MEMBER, "/reload")
        not_admin = texts(api.wait_sent(GROUP, 5))[4]
        api.group_text(GROUP, OUTSIDER, "/reload")
        outsider_reload = texts(api.wait_sent(GROUP, 6))[5]
        api.group_text(GROUP, ADMIN, "/reload@some_other_bot")  # another bot's command
        settle(api)
        assert len(api.sent(GROUP)) == 6
        api.group_text(GROUP, ADMIN, f"/reload@{api.bot_username}")
        reloaded = texts(api.wait_sent(GROUP, 7))[6]
    assert refused == refused_ask == REFUSED.format(user_id=OUTSIDER)
    assert "Tengrinews" in answered and "Tengrinews" in answered_admin
    assert not_admin == NOT_ADMIN
    assert outsider_reload == REFUSED.format(user_id=OUTSIDER)  # not told more than that
    assert reloaded.startswith("Index updated (0 added, 0 changed, 0 removed)")


def test_buttons_from_outsiders_and_forged_buttons(
    fake_bot_api: FakeBotAPI,
    seed_engine: Engine,
    tmp_path: Path,
) -> None:
    api = fake_bot_api
    settings = bot_settings(api, seed_engine, tmp_path, allowed_users=[MEMBER, 803])
    with RunningBot(settings, seed_engine, api):
        api.group_text(GROUP, MEMBER, f"/ask {QUESTION}")
        api.wait_sent(GROUP)
        group_answer = last_with_buttons(api, GROUP)
        data = button_data(group_answer)
        # an outsider in the group presses the buttons under a member's answer
        for value in data.values():
            api.callback_query(OUTSIDER, group_answer, value)
        api.wait_for(lambda: len(api.calls_to("answerCallbackQuery")) >= 3)
        # a member in another chat replays the group's button data under their own answer
        api.private_text(803, "who manages regional commissions?")
        api.wait_sent(803)
        own = last_with_buttons(api, 803)
        for value in data.values():
            api.callback_query(803, own, value)
        api.wait_for(lambda: len(api.calls_to("answerCallbackQuery")) >= 6)
        # and forged data: too long, wrong kinds, injection-looking
        for value in (
            "s:../../etc",
            "v:" + "f" * 61,
            f"v:{data['Sources'][2:]}:up' OR 1=1",
            ":::",
        ):
            api.callback_query(803, own, value)
        api.wait_for(lambda: len(api.calls_to("answerCallbackQuery")) >= 10)
        settle(api)
    notices = api.calls_to("answerCallbackQuery")
    outsider, replayed, forged = notices[:3], notices[3:6], notices[6:]
    assert all(n.params.get("show_alert") in (True, "true", "True") for n in outsider)
    assert all(REFUSED.format(user_id=OUTSIDER) == n.params.get("text") for n in outsider)
    assert [n.params.get("text") for n in replayed] == [FORGOTTEN] * 3
    assert all(n.params.get("text") for n in forged)
    assert len(api.sent(GROUP)) == 1 and len(api.sent(803)) == 1  # no sources shown anywhere
    assert not settings.feedback_file.exists() or read_jsonl(settings.feedback_file) == []


BOT_STATE = ("documents", "index", ".index", "delivery.jsonl", "feedback.jsonl", "confirmations")


def outside_files(root: Path) -> dict[str, str]:
    """Every file under ``root`` but the documents, the index and the bot's own state files
    -> sha256 of its content (symlinks followed)."""
    out: dict[str, str] = {}
    for path in root.rglob("*"):
        top = path.relative_to(root).parts[0]
        if top.startswith(BOT_STATE) or not path.is_file():
            continue
        out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_hostile_upload_names_stay_inside_and_overwrite_nothing(
    fake_bot_api: FakeBotAPI,
    own_engine: Engine,
    tmp_path: Path,
) -> None:
    api = fake_bot_api
    settings = bot_settings(api, own_engine, tmp_path)
    docs = settings.documents_dir
    (tmp_path / "outside.txt").write_text("precious", encoding="utf-8")
    os.symlink(tmp_path / "outside.txt", docs / "link.txt")  # a trap inside the folder
    seed_before = (docs / SEED_NAME).read_bytes()
    outside_before = outside_files(tmp_path)
    assert "outside.txt" in outside_before
    long_name = "n" * 5000 + ".txt"
    cases = [
        ("../../../outside.txt", b"Overwrite attempt one about honey.", "Added outside.txt"),
        (str(tmp_path / "outside.txt"), b"Absolute path attempt about honey.", "Replace it"),
        ("link.txt", b"Through the symlink about honey.", "link.txt is already in"),
        (SEED_NAME, b"Replace the seed document about honey.", "Replace it"),  # unless confirmed
        (long_name, b"A very long name about honey.", "Added " + "n" * 96 + ".txt"),
        (
            "C:\\Windows\\System32\\drivers\\etc\\hosts.txt",
            b"Windows path about honey.",
            "Added hosts.txt",
        ),
        ("evil\u202etxt.exe", b"RTL override trick about honey.", "only .txt"),
        ("report.txt.sh", b"echo pwned", "only .txt"),
        ("..", b"dots about honey", "only .txt"),
        ("/", b"slash about honey", "only .txt"),
        ("\x00\x01.txt", b"control chars about honey", "Cannot add"),
        ("big.txt", b"x" * (2 * 1024 * 1024 + 10), "over the 2 MB limit"),  # real size, small claim
    ]
    settings = settings.model_copy(update={"max_upload_mb": 2.0})
    with RunningBot(settings, own_engine, api):
        for i, (name, content, _) in enumerate(cases):
            if name == "big.txt":
                api.private_document(ADMIN, name, content, file_size=100)
            else:
                api.private_document(ADMIN, name, content)
            api.wait_sent(ADMIN, i + 1, timeout=60)
        replies = texts(api.sent(ADMIN))
    for (name, _, expected), reply in zip(cases, replies, strict=True):
        assert expected in reply, (name[:60], reply)
    # nothing outside the documents folder changed or appeared
    assert outside_files(tmp_path) == outside_before
    assert (tmp_path / "outside.txt").read_text(encoding="utf-8") == "precious"
    assert (docs / SEED_NAME).read_bytes() == seed_before
    assert os.path.islink(docs / "link.txt")
    # every new file is a plain file directly in the folder, with a clean short name
    for path in docs.iterdir():
        assert path.parent == docs and not path.name.startswith(".")
        assert len(path.name) <= 100
        assert path.is_symlink() or path.is_file()
    assert not any(p.name.startswith(".upload-") for p in docs.iterdir())  # no temp files
