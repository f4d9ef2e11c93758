"""The delivery journal on its own: what it keys on, whose it is, how it stays bounded (the
`docbot serve` processes around it are in test_restart.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.telegram import delivery
from bot.telegram.delivery import DeliveryJournal, bot_id_from_token, update_key


def _update(update_id: int, message_id: int | None = None) -> dict[str, Any]:
    message = {"message_id": message_id or update_id, "date": 1, "chat": {"id": 5}, "text": "q"}
    return {"update_id": update_id, "message": message}


def _key(update_id: int, message_id: int | None = None) -> str:
    return update_key(_update(update_id, message_id))


def test_journal_survives_a_torn_line_and_skips_what_is_done(tmp_path: Path) -> None:
    path = tmp_path / "delivery.jsonl"
    journal = DeliveryJournal(path, "42")
    journal.received([_update(1), _update(2), _update(3)])
    assert journal.begin(_key(1)) and not journal.begin(_key(1))  # not twice in one run
    journal.finish(_key(1))
    assert journal.begin(_key(2))
    journal.finish(_key(2), delivered=False)  # its reply could not be sent: stays pending
    with path.open("a") as out:
        out.write('{"done": "3:')  # killed in the middle of a line
    again = DeliveryJournal(path, "42")
    assert [u["update_id"] for u in again.pending()] == [2, 3]
    assert not again.begin(_key(1))  # done: a journal just loaded is running nothing
    again.received([_update(1), _update(4)])  # 1 re-delivered by Telegram: not pending again
    assert [u["update_id"] for u in again.pending()] == [2, 3, 4]


def test_a_reused_update_id_with_another_message_is_new(tmp_path: Path) -> None:
    journal = DeliveryJournal(tmp_path / "delivery.jsonl", "42")
    journal.received([_update(1)])
    assert journal.begin(_key(1))
    journal.finish(_key(1))
    journal.received([_update(1, message_id=99)])  # the number again, another message
    assert [u["message"]["message_id"] for u in journal.pending()] == [99]
    assert journal.begin(_key(1, 99))  # not taken for the done update 1


def test_a_journal_of_another_bot_is_set_aside_not_applied(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "delivery.jsonl"
    other = DeliveryJournal(path, "111")
    other.received([_update(1), _update(2)])
    other.begin(_key(1))
    other.finish(_key(1))
    with caplog.at_level("WARNING", logger="docbot.delivery"):
        mine = DeliveryJournal(path, "222")
    assert mine.pending() == [] and mine.begin(_key(1))  # the other bot's done update is not
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("delivery.jsonl.bot-111.")]
    assert len(aside) == 1
    assert [u["update_id"] for u in DeliveryJournal(aside[0], "111").pending()] == [2]
    assert len(caplog.records) == 1 and "set aside as " + aside[0].name in caplog.text
    assert json.loads(path.read_text().splitlines()[0]) == {"bot": "222"}


def test_update_key_is_the_same_for_raw_and_ptb_dicts() -> None:
    user = {"id": 9, "is_bot": False, "first_name": "U"}
    chat = {"id": 9, "type": "private", "first_name": "U"}
    message = {"message_id": 3, "date": 1700000000, "chat": chat, "from": user, "text": "hi"}
    raws: list[dict[str, Any]] = [
        {"update_id": 1, "message": message},
        {"update_id": 2, "edited_message": {**message, "edit_date": 1700000100}},
        {"update_id": 3, "callback_query": {"id": "cq7", "from": user, "chat_instance": "c"}},
        {
            "update_id": 4,
            "my_chat_member": {
                "chat": chat,
                "from": user,
                "date": 1700000000,
                "old_chat_member": {"status": "member", "user": user},
                "new_chat_member": {"status": "kicked", "user": user, "until_date": 0},
            },
        },
    ]
    for raw in raws:
        assert update_key(Update.de_json(raw, None).to_dict()) == update_key(raw), raw
    keys = {update_key(raw) for raw in raws}
    assert len(keys) == len(raws)
    assert update_key({"update_id": 1, "message": {**message, "message_id": 4}}) not in keys


@pytest.mark.parametrize(
    ("token", "expected"), [("123456:AAsecret", "123456"), ("not-a-token", None)]
)
def test_bot_id_comes_from_the_token_without_revealing_it(token: str, expected: str | None) -> None:
    bot_id = bot_id_from_token(token)
    assert bot_id == expected if expected else (bot_id.startswith("t") and token not in bot_id)
    assert "secret" not in bot_id


def test_journal_stays_bounded(tmp_path: Path) -> None:
    path = tmp_path / "delivery.jsonl"
    journal = delivery.DeliveryJournal(path, "42", keep_done=100)
    for n in range(1, 3 * delivery.COMPACT_LINES):
        journal.received([_update(n)])
        assert journal.begin(_key(n))
        journal.finish(_key(n))
    pending, done, running = journal.sizes()
    assert (pending, done, running) == (0, 100, 0)
    assert len(path.read_text().splitlines()) <= delivery.COMPACT_LINES
    assert not journal.begin(_key(3 * delivery.COMPACT_LINES - 1))  # recent ones are remembered
    assert [p.name for p in tmp_path.iterdir()] == ["delivery.jsonl"]  # no temp files left
