"""Gaps and scopes (issues 25 and 26) through the fake Bot API: each outcome recorded with the
chat's scope key, ``/gaps`` asks a refused question again in the scope it was asked in (a
question of the hr chat is not "answered now" by a finance document), and ``/gaps CHAT_ID``
lists only that chat's scope's gaps. The engine answers by script, per folder; no model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.bots import ADMIN, USER, RunningBot, button_data, last_with_buttons, settle, texts
from support.fakebotapi import FakeBotAPI
from support.scripted import ScriptedEngine, scripted

from bot.answering.answers import Answer
from bot.answering.gaps import REFUSED, Asked
from bot.telegram.asked import AskedLog, asked_file, scope_key
from bot.telegram.replies import GAPS_NOW, GAPS_USAGE
from index.scope import EVERYTHING, Scope

HR_CHAT, FINANCE_CHAT = -1003701, -1003702
HR, FINANCE = Scope.of(["hr"]), Scope.of(["finance"])
SCOPES = f"""
default = "all"
[chats]
"{HR_CHAT}" = ["hr"]
"{FINANCE_CHAT}" = ["finance"]
"""
PARKING = "Where can visitors park?"
TRAVEL = "How are travel expenses paid back?"


class FolderEngine(ScriptedEngine):
    """Answers a question naming a word of ``words`` when the folder that word's document is
    in is in the scope asked; records every scope it is asked in."""

    def __init__(self, scripted_engine: ScriptedEngine) -> None:
        super().__init__(scripted_engine.settings, known=())
        self.words: dict[str, str] = {}  # word -> the folder of the document that answers it
        self.scopes: list[Scope | None] = []

    def ask(
        self,
        question: str,
        conversation_id: str | None = None,
        k: int | None = None,
        scope: Scope | None = None,
    ) -> Answer:
        self.scopes.append(scope)
        for word, folder in self.words.items():
            if word in question.lower() and (scope or EVERYTHING).admits(f"{folder}/doc.md"):
                return Answer(question, question, f"{folder} says so.", True)
        return Answer(question, question, "That is not in the documents.", False)


def start(api: FakeBotAPI, tmp_path: Path) -> tuple[Any, FolderEngine]:
    settings, base = scripted(api, tmp_path)
    scopes = tmp_path / "scopes.toml"
    scopes.write_text(SCOPES, encoding="utf-8")
    return settings.model_copy(update={"scopes": str(scopes)}), FolderEngine(base)


def gaps(api: FakeBotAPI, command: str) -> str:
    before = len(api.sent(ADMIN))
    api.private_text(ADMIN, command)
    settle(api)
    return "\n".join(texts(api.sent(ADMIN)[before:]))


def test_gaps_are_asked_again_in_the_scope_they_were_asked_in(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    api = fake_bot_api
    settings, engine = start(api, tmp_path)
    with RunningBot(settings, engine, api):
        api.group_text(HR_CHAT, USER, f"/ask {PARKING}")
        api.group_text(FINANCE_CHAT, USER, f"/ask {TRAVEL}")
        api.private_text(USER, "Who runs the canteen?")
        api.wait_for(lambda: len(api.calls_to("sendMessage")) >= 3 or None)
        settle(api)
        log = asked_file(settings.feedback_file)
        rows = [json.loads(line) for line in log.read_text().splitlines()]
        assert {r["question"]: r.get("scope", "") for r in rows} == {
            PARKING: HR.key,
            TRAVEL: FINANCE.key,
            "Who runs the canteen?": "",  # everything: no key, as lines before scopes
        }

        engine.words = {"visitors": "finance", "travel": "finance"}  # finance documents added
        engine.scopes.clear()
        shown = gaps(api, "/gaps")
        assert shown.count(GAPS_NOW.strip()) == 1  # the finance question only
        assert shown.index(GAPS_NOW.strip()) > shown.index(TRAVEL) > shown.index(PARKING)
        assert set(engine.scopes) == {HR, FINANCE, None}  # each asked in its own scope

        hr = gaps(api, f"/gaps {HR_CHAT}")
        assert PARKING in hr and TRAVEL not in hr and "canteen" not in hr
        assert hr.startswith(f"Chat {HR_CHAT} sees hr/: its gaps only.")
        assert GAPS_NOW.strip() not in hr
        finance = gaps(api, f"/gaps {FINANCE_CHAT}")
        assert TRAVEL in finance and PARKING not in finance and GAPS_NOW.strip() in finance
        everyone = gaps(api, f"/gaps {ADMIN}")  # a chat with everything: the unscoped gaps
        assert "canteen" in everyone and PARKING not in everyone
        assert gaps(api, "/gaps hr") == GAPS_USAGE

        engine.words["visitors"] = "hr"  # now an hr document says where visitors park
        assert GAPS_NOW.strip() in gaps(api, f"/gaps {HR_CHAT}")

        api.group_text(HR_CHAT, USER, "/ask Do visitors pay for parking?")  # answered, then 👎
        settle(api)
        answer = last_with_buttons(api, HR_CHAT)
        api.callback_query(USER, answer, button_data(answer)["👎"])
        settle(api)
    down = [a for a in AskedLog(log).read() if a.kind == "down"]
    assert [(a.question, a.scope) for a in down] == [("Do visitors pay for parking?", HR.key)]


def test_a_line_keeps_the_scope_key_and_old_lines_read_as_everything(tmp_path: Path) -> None:
    log = AskedLog(tmp_path / "questions.jsonl")
    log.path.write_text('{"kind": "refused", "at": 1.0, "chat": "private", "question": "q"}\n')
    log.record(Asked(REFUSED, 2.0, "supergroup", "r", "h", scope_key(HR)))
    old, new = log.read()
    assert old.scope == "" and new.scope == HR.key and len(HR.key) == 10
    assert scope_key(EVERYTHING) == "" and scope_key(Scope.of(["finance"])) == FINANCE.key
