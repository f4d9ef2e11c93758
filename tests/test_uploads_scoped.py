"""Admin documents in scoped chats (issue 26 with the uploads of issue 25), through the fake Bot
API: a file an admin sends in a chat scoped to folders is saved into the chat's first folder, so
that the chat (and no other) is answered from it; in a chat that sees everything it goes to the
root; in a chat that sees nothing it is refused with the fix. ``/documents`` and ``/delete`` in
a scoped chat show and act on its folders' files only. The fake embedder keeps it fast."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.bots import ADMIN, NEW_DOC, RunningBot, bot_settings, button_data, settle, texts
from support.engines import settings_for
from support.fakebotapi import FakeBotAPI
from support.fakes import FakeEmbedder
from support.scoped import ADMINS_CHAT, CLOSED_CHAT, FINANCE_CHAT, HR_CHAT, SCOPES, write_documents

from bot.answering.engine import Engine
from bot.telegram.replies import DOCUMENTS_NO_SCOPE, UPLOAD_NO_SCOPE
from bot.telegram.upload import upload_folder
from index.scope import EVERYTHING, NOTHING, Scope

FESTIVAL = "Who founded the Zorblax Harvest Festival?"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    documents = write_documents(tmp_path / "documents")
    engine = Engine(settings_for(documents, tmp_path / "index"), embedder=FakeEmbedder())
    engine.reindex()
    engine.index()
    return engine


@pytest.fixture
def api(fake_bot_api: FakeBotAPI, engine: Engine, tmp_path: Path) -> Iterator[FakeBotAPI]:
    scopes = tmp_path / "scopes.toml"
    scopes.write_text(SCOPES, encoding="utf-8")
    settings = bot_settings(fake_bot_api, engine, tmp_path, scopes=str(scopes))
    with RunningBot(settings, engine, fake_bot_api):
        yield fake_bot_api


def said(
    api: FakeBotAPI, chat: int, text: str = "", upload: tuple[str, bytes] | None = None
) -> str:
    """The admin's ``text`` (or file ``upload``, addressed to the bot) in ``chat``: what the
    bot sent back."""
    before = len(api.sent(chat))
    if upload is not None:
        name, data = upload
        if chat == ADMIN:
            api.private_document(ADMIN, name, data)
        else:
            api.group_document(chat, ADMIN, name, data, f"@{api.bot_username}")
    elif chat == ADMIN:
        api.private_text(ADMIN, text)
    else:
        api.group_text(chat, ADMIN, text)
    settle(api)
    return "\n".join(texts(api.sent(chat)[before:]))


def test_an_upload_goes_to_the_chats_first_folder(api: FakeBotAPI, engine: Engine) -> None:
    docs = engine.settings.documents_dir
    added = said(api, HR_CHAT, upload=("festival.txt", NEW_DOC.encode()))
    assert added.startswith("Added hr/festival.txt: 1 passage.")
    assert (docs / "hr" / "festival.txt").read_text() == NEW_DOC
    assert "hr/festival.txt" in said(api, HR_CHAT, f"/ask {FESTIVAL}")  # the chat sees it
    assert "Zorblax" not in said(api, FINANCE_CHAT, f"/ask {FESTIVAL}")  # another does not

    root = b"The canteen opens at eight and closes at three."
    assert said(api, ADMIN, upload=("root.txt", root)).startswith("Added root.txt:")
    assert (docs / "root.txt").is_file()  # everything: the root, as before scopes

    assert said(api, CLOSED_CHAT, upload=("lost.txt", NEW_DOC.encode())) == UPLOAD_NO_SCOPE
    assert not list(docs.rglob("lost.txt"))

    asked = said(api, HR_CHAT, upload=("festival.txt", b"The festival moved to Quentaria."))
    assert asked.startswith("hr/festival.txt is already in the documents"), asked
    with api._cond:
        message = next(m for m in reversed(api.messages) if m.get("reply_markup"))
    before = len(api.sent(HR_CHAT))
    api.callback_query(ADMIN, message, button_data(message)["Replace"])
    settle(api)
    replaced = texts(api.sent(HR_CHAT)[before:])
    assert replaced[0].startswith("Replaced hr/festival.txt: 1 passage (before: 1).")
    assert (docs / "hr" / "festival.txt").read_text() == "The festival moved to Quentaria."


def test_documents_and_delete_keep_to_the_chats_scope(api: FakeBotAPI, engine: Engine) -> None:
    hr = said(api, HR_CHAT, "/documents")
    assert hr.startswith("3 document(s)") and "This chat sees hr/, public/" in hr
    assert "hr/onboarding.md" in hr and "public/about.md" in hr and "finance/" not in hr
    everything = said(api, ADMINS_CHAT, "/documents")
    assert everything.startswith("5 document(s)") and "finance/budget.md" in everything
    assert said(api, CLOSED_CHAT, "/documents") == DOCUMENTS_NO_SCOPE

    no = said(api, HR_CHAT, "/delete budget")
    assert no == "No document is named budget. /documents lists them."
    assert said(api, HR_CHAT, "/delete travel").startswith("Delete hr/travel-leave.md (")
    assert said(api, FINANCE_CHAT, "/delete budget").startswith("Delete finance/budget.md (")
    assert said(api, CLOSED_CHAT, "/delete budget") == DOCUMENTS_NO_SCOPE
    assert (engine.settings.documents_dir / "finance" / "budget.md").exists()  # asked only

    assert "Files admins send here are saved into hr/." in said(api, HR_CHAT, "/scope")


def test_the_upload_folder_of_each_kind_of_scope() -> None:
    assert upload_folder(EVERYTHING) == ""
    assert upload_folder(NOTHING) is None
    assert upload_folder(Scope.of(["public", "hr/people"])) == "hr/people"
