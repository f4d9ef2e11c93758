"""``/gaps`` end to end with the fake Bot API (issue 25): a refused question and a 👎 recorded
(the question, the chat kind, the time; no user id), paraphrases grouped, the export button
sends a JSONL document of the question-set format, non-admins refused, and the log read again
by the next run. The engine answers by script (:mod:`support.scripted`); no model."""

from __future__ import annotations

import json
from pathlib import Path

from support.bots import ADMIN, GROUP, USER, RunningBot, button_data, last_with_buttons, settle
from support.fakebotapi import FakeBotAPI
from support.scripted import scripted

from bot.telegram.asked import AskedLog, asked_file
from bot.telegram.gaps import EXPORT
from bot.telegram.replies import GAPS_NOW, GAPS_PRIVATE, NOT_ADMIN

PARK = ("Where can visitors park?", "where can visitors park their cars?")


def test_gaps_recorded_grouped_and_exported(fake_bot_api: FakeBotAPI, tmp_path: Path) -> None:
    api = fake_bot_api
    settings, engine = scripted(api, tmp_path)
    log = asked_file(settings.feedback_file)
    with RunningBot(settings, engine, api):
        api.private_text(USER, PARK[0])
        api.wait_sent(USER)  # asked first
        api.group_text(GROUP, USER, f"/ask {PARK[1]}")
        api.private_text(USER, "Who founded the festival?")
        api.wait_for(lambda: len(api.calls_to("sendMessage")) >= 3 or None)
        settle(api)
        found = last_with_buttons(api, USER)
        api.callback_query(USER, found, button_data(found)["👎"])
        api.wait_for(lambda: api.calls_to("answerCallbackQuery") or None)
        settle(api)

        lines = [json.loads(line) for line in log.read_text().splitlines()]
        by_kind = {(row["kind"], row["chat"]): row for row in lines}
        assert set(by_kind) == {
            ("refused", "private"),
            ("refused", "supergroup"),
            ("answered", "private"),
            ("down", "private"),
        }
        assert "question" not in by_kind["answered", "private"]  # answered: no text kept
        assert by_kind["down", "private"]["question"] == "Who founded the festival?"
        for row in lines:  # askers only as salted hashes, never the user's id
            assert USER not in row.values() and str(USER) not in row.values()
            assert set(row) <= {"kind", "at", "chat", "question", "asker"}

        before = len(api.sent(USER))
        api.private_text(USER, "/gaps")
        assert api.wait_sent(USER, before + 1)[-1].params["text"] == NOT_ADMIN
        api.group_text(GROUP, ADMIN, "/gaps")  # people's questions are not shown in a group
        assert api.wait_sent(GROUP, 2)[-1].params["text"] == GAPS_PRIVATE
        api.private_text(ADMIN, "/gaps")
        shown = str(api.wait_sent(ADMIN)[0].params["text"])
        assert "2 question(s), asked 3 time(s)" in shown
        assert f"1. <b>{PARK[0]}</b>" in shown and "asked 2× by 1 person (refused 2)" in shown
        assert PARK[1] in shown  # "also asked as"
        assert "2. <b>Who founded the festival?</b>" in shown and "(👎 1)" in shown

        listing = last_with_buttons(api, ADMIN)
        api.callback_query(USER, listing, EXPORT)  # a non-admin pressing it: refused
        api.callback_query(ADMIN, listing, EXPORT)
        sent = api.wait_for(lambda: api.calls_to("sendDocument") or None)
        settle(api)
        alerts = [c.params.get("text") for c in api.calls_to("answerCallbackQuery")]
        assert NOT_ADMIN in alerts

        engine.known = ("festival", "visitors")  # a document about parking was added
        api.private_text(ADMIN, "/gaps")
        again = str(api.wait_sent(ADMIN, 2)[1].params["text"])
        assert "1. <b>Who founded the festival?</b>" in again  # a 👎 stays: it was answered
        parking = again.index(f"2. <b>{PARK[0]}</b>")  # answered now: listed last, marked
        assert again.index(GAPS_NOW.strip()) > parking
    assert len(sent) == 1 and str(sent[0].params["chat_id"]) == str(ADMIN)
    ((name, content),) = sent[0].files.values()
    assert name.startswith("gaps-") and name.endswith(".jsonl")
    rows = [json.loads(line) for line in content.decode().splitlines()]
    assert [r["question"] for r in rows] == [PARK[0], "Who founded the festival?"]
    assert all("expect" not in r for r in rows)
    # the next run reads the same log
    kinds = sorted(a.kind for a in AskedLog(log).read())
    assert kinds == ["answered", "down", "refused", "refused"]
