"""The documents from Telegram, end to end against the fake Bot API (the fake embedder, so no
model): ``/documents``, an upload that replaces a file after its confirm button, ``/delete``
with its button, the ingestion reports, and a file saved into the watched folder answered
with no command run."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.bots import ADMIN, NEW_DOC, USER, RunningBot, bot_settings, button_data, texts
from support.documents import ARTICLES, write_documents
from support.engines import settings_for
from support.fakebotapi import FakeBotAPI
from support.fakes import FakeEmbedder
from support.pdfgen import make_pdf

from bot.answering.engine import Engine
from bot.cli.commands import watching
from bot.telegram.confirming import Confirmations, Pending
from bot.telegram.documents import PAGE_LINES, documents_page, matching
from bot.telegram.replies import CONFIRM_EXPIRED, NOT_ADMIN


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    docs = write_documents(tmp_path / "documents", ARTICLES)
    (docs / "tool.exe").write_bytes(b"MZ\x00\x00")
    engine = Engine(settings_for(docs, tmp_path / "index"), embedder=FakeEmbedder())
    engine.reindex()
    engine.index()
    return engine


@pytest.fixture
def bot(fake_bot_api: FakeBotAPI, engine: Engine, tmp_path: Path) -> Iterator[RunningBot]:
    settings = bot_settings(fake_bot_api, engine, tmp_path, watch_settle_s=0.3)
    with RunningBot(settings, engine, fake_bot_api) as running:
        yield running


def last_buttons(api: FakeBotAPI, chat_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The newest message with buttons in the chat, and its buttons' data by label."""
    with api._cond:
        message = next(
            m
            for m in reversed(api.messages)
            if m["chat"]["id"] == chat_id and m.get("reply_markup")
        )
    return message, button_data(message)


def reply(api: FakeBotAPI, user: int, count: int) -> str:
    """The ``count``-th message sent to ``user``'s chat (1-based), once it is there."""
    return texts(api.wait_sent(user, count))[count - 1]


def test_documents_shows_the_collection_to_admins_only(
    fake_bot_api: FakeBotAPI, bot: RunningBot
) -> None:
    api = fake_bot_api
    api.private_text(ADMIN, "/documents")
    listing = reply(api, ADMIN, 1)
    api.private_text(ADMIN, "/documents rain")
    filtered = reply(api, ADMIN, 2)
    api.private_text(USER, "/documents")
    assert reply(api, USER, 1) == NOT_ADMIN
    assert listing.startswith("3 document(s), 3 passages, indexed 20") and "1 skipped" in listing
    assert "• cats.txt: 1 passage, 1 KB" in listing and "• news/rain.txt" in listing
    assert "\n\nSkipped (not searchable):\n• tool.exe: unsupported file type (.exe)" in listing
    assert "news/rain.txt" in filtered and "cats.txt" not in filtered


def test_documents_pages_a_big_collection(
    fake_bot_api: FakeBotAPI, engine: Engine, bot: RunningBot
) -> None:
    api = fake_bot_api
    for i in range(2 * PAGE_LINES + 5):
        (engine.settings.documents_dir / f"note{i:02}.txt").write_text(f"Note {i} is on owls.")
    api.private_text(ADMIN, "/reload")
    reply(api, ADMIN, 1)
    api.private_text(ADMIN, "/documents")
    first = reply(api, ADMIN, 2)
    message, buttons = last_buttons(api, ADMIN)
    assert "Page 1 of 3" in first and list(buttons) == ["▶"]
    api.callback_query(ADMIN, message, buttons["▶"])
    edit = api.wait_for(lambda: api.calls_to("editMessageText"))[0]
    second = str(edit.params["text"])
    assert "Page 2 of 3" in second and "note20.txt" in second and "note00.txt" not in second
    assert [b["text"] for b in edit.params["reply_markup"]["inline_keyboard"][0]] == ["◀", "▶"]


def test_an_upload_of_the_same_name_replaces_after_confirming(
    fake_bot_api: FakeBotAPI, engine: Engine, bot: RunningBot
) -> None:
    api = fake_bot_api
    cats = engine.settings.documents_dir / "cats.txt"
    api.private_document(ADMIN, "cats.txt", b"Cats rule the house. They nap in boxes.")
    ask = reply(api, ADMIN, 1)
    message, buttons = last_buttons(api, ADMIN)
    assert ask.startswith("cats.txt is already in the documents (1 passage, indexed 20")
    assert set(buttons) == {"Replace", "Cancel"} and "Cats sleep" in cats.read_text()
    api.callback_query(ADMIN, message, buttons["Replace"])
    done = reply(api, ADMIN, 2)
    api.callback_query(ADMIN, message, buttons["Replace"])  # pressed twice: done once
    again = reply(api, ADMIN, 3)
    assert done.startswith("Replaced cats.txt: 1 passage (before: 1).")
    assert "Index updated (0 added, 1 changed, 0 removed, 1 skipped): 3 document(s)" in done
    assert again == CONFIRM_EXPIRED
    assert cats.read_text() == "Cats rule the house. They nap in boxes."
    assert sorted(p.name for p in cats.parent.glob("cats*")) == ["cats.txt"]  # no second copy
    assert "cats.txt" in {h.chunk.source for h in engine.search(["nap in boxes"], 1)[0]}
    # cancelled: nothing changes
    api.private_document(ADMIN, "cats.txt", b"Cats are plotting.")
    reply(api, ADMIN, 4)
    message, buttons = last_buttons(api, ADMIN)
    api.callback_query(ADMIN, message, buttons["Cancel"])
    assert reply(api, ADMIN, 5) == "Cancelled: cats.txt is unchanged."
    assert cats.read_text() == "Cats rule the house. They nap in boxes."


def test_a_new_upload_gets_its_ingestion_report(fake_bot_api: FakeBotAPI, bot: RunningBot) -> None:
    api = fake_bot_api
    api.private_document(ADMIN, "zorblax.txt", NEW_DOC.encode())
    added = reply(api, ADMIN, 1)
    api.private_document(ADMIN, "broken.pdf", b"%PDF-1.4\nhalf a file")
    broken = reply(api, ADMIN, 2)
    assert added.startswith("Added zorblax.txt: 1 passage.\nIndex updated (1 added")
    assert broken.startswith("Cannot add broken.pdf: ") and "The file was not kept." in broken


def test_delete_asks_first_and_the_passages_go(
    fake_bot_api: FakeBotAPI, engine: Engine, bot: RunningBot
) -> None:
    api = fake_bot_api
    api.private_text(ADMIN, "/delete")
    assert reply(api, ADMIN, 1).startswith("Which document?")
    api.private_text(ADMIN, "/delete hamsters")
    assert reply(api, ADMIN, 2) == "No document is named hamsters. /documents lists them."
    api.private_text(ADMIN, "/delete DOGS")
    ask = reply(api, ADMIN, 3)
    message, buttons = last_buttons(api, ADMIN)
    assert ask.startswith("Delete dogs.md (1 passage) from the documents folder?")
    api.callback_query(USER, message, buttons["Delete"])  # not an admin: refused
    refusal = api.wait_for(lambda: api.calls_to("answerCallbackQuery"))[0]
    assert refusal.params["text"] == NOT_ADMIN
    assert (engine.settings.documents_dir / "dogs.md").exists()
    api.callback_query(ADMIN, message, buttons["Delete"])
    done = reply(api, ADMIN, 4)
    assert done.startswith("Deleted dogs.md and its 1 passage.")
    assert not (engine.settings.documents_dir / "dogs.md").exists()
    assert "dogs.md" not in engine.index().sources()
    assert "dogs.md" not in {h.chunk.source for h in engine.search(["Dogs bark"], 10)[0]}


def test_delete_names_the_candidates_when_several_match() -> None:
    names = ["news/rain.txt", "rain.txt", "rainbow.md", "cats.txt"]
    assert matching(names, "rain.txt") == ["rain.txt"]
    assert matching(names, "RAIN.TXT") == ["news/rain.txt", "rain.txt"]
    assert matching(names, "rain") == ["news/rain.txt", "rain.txt", "rainbow.md"]
    assert matching(names, "owls") == []


def test_a_file_saved_into_the_folder_is_answered_with_no_command(
    fake_bot_api: FakeBotAPI, engine: Engine, bot: RunningBot
) -> None:
    api = fake_bot_api
    with watching(bot.settings, engine) as watcher:
        assert watcher is not None and watcher.wait_ready()
        (engine.settings.documents_dir / "zorblax.txt").write_text(NEW_DOC, encoding="utf-8")
        started = time.monotonic()
        while "zorblax.txt" not in engine.index().sources():
            assert time.monotonic() - started < 15
            time.sleep(0.05)
        api.private_text(USER, "Who founded the Zorblax Harvest Festival?")
        answer = reply(api, USER, 1)
    assert "zorblax.txt" in answer and watcher.builds == 1


class ListedIndex:
    """What ``/documents`` reads of an index: its manifest, chunks and length."""

    def __init__(self, names: list[str]) -> None:
        files = {name: {"sha256": "0", "size": 2048, "chunks": 3} for name in names}
        self.manifest = {"files": files, "skipped": [], "built_at": "2026-12-05T10:00:00+00:00"}
        self.chunks: list[Any] = []

    def __len__(self) -> int:
        return 3 * len(self.manifest["files"])


def test_every_page_fits_a_telegram_message() -> None:
    names = [f"{'long-folder-name/' * 12}report-{i:03}&<x>.txt" for i in range(300)]
    index: Any = ListedIndex(names)
    first, buttons = documents_page(index)
    pages = int(first.rsplit("Page 1 of ", 1)[1].split(".")[0])
    seen = []
    for page in range(pages):
        text, _ = documents_page(index, page=page)
        assert len(text) < 4096 and text.count("<b>") == text.count("</b>")
        seen += [line for line in text.splitlines() if line.startswith("• ")]
    assert len(seen) == 300 and buttons is not None
    assert "&amp;&lt;x&gt;" in first  # names are escaped


def test_a_replacement_that_cannot_be_read_puts_the_old_version_back(
    fake_bot_api: FakeBotAPI, engine: Engine, bot: RunningBot
) -> None:
    api = fake_bot_api
    docs = engine.settings.documents_dir
    (docs / "guide.pdf").write_bytes(make_pdf([["The guide says owls hunt at night."]]))
    api.private_text(ADMIN, "/reload")
    reply(api, ADMIN, 1)
    before = (docs / "guide.pdf").read_bytes()
    api.private_document(ADMIN, "guide.pdf", b"%PDF-1.4\nonly half of a file")
    reply(api, ADMIN, 2)
    message, buttons = last_buttons(api, ADMIN)
    api.callback_query(ADMIN, message, buttons["Replace"])
    done = reply(api, ADMIN, 3)
    assert done.startswith("Cannot read the new guide.pdf: ") and "previous version is back" in done
    assert (docs / "guide.pdf").read_bytes() == before
    assert engine.index().sources()["guide.pdf"] == 1


def test_a_confirmation_is_taken_once_and_expires(tmp_path: Path) -> None:
    store = Confirmations(tmp_path / "confirmations", max_age=60)
    token = store.add(Pending("replace", "a.txt", ADMIN, b"new"))
    assert len(f"dc:{token}:y".encode()) <= 64  # fits Telegram's callback data
    assert store.take(token) == Pending("replace", "a.txt", ADMIN, b"new")
    assert store.take(token) is None and store.take("../../etc/passwd") is None
    old = store.add(Pending("delete", "b.txt", ADMIN))
    stale = time.time() - 120
    os.utime(tmp_path / "confirmations" / f"{old}.json", (stale, stale))
    assert store.take(old) is None
    assert list((tmp_path / "confirmations").iterdir()) == []
