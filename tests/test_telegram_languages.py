"""The bot speaks the asker's language (issue 24): the real PTB application against the fake
Bot API over a scripted engine (no model). A user whose Telegram app says "ru" gets Russian
/start, /help, refusals and buttons, "kk" (or "kz") Kazakh, anything else English; a group
keeps the language last seen there; the quotes stay as the documents have them; the command
menu is registered in each language; an admin's notices follow too; ``DOCBOT_LANGUAGE`` forces
one."""

from __future__ import annotations

from pathlib import Path

from support.bots import (
    ADMIN,
    GROUP,
    USER,
    RunningBot,
    button_data,
    last_with_buttons,
    settle,
    texts,
    visible,
)
from support.fakebotapi import FakeBotAPI
from support.scripted import FESTIVAL, scripted

from bot.telegram.catalogue import text
from bot.telegram.commands import COMMANDS
from bot.telegram.replies import (
    ASK_USAGE,
    HELP,
    NOT_ADMIN,
    NOT_FOUND,
    NOTIFY_BUTTON,
    REINDEX_FAILED,
    REJECT_TYPE,
    SOURCES,
    START,
    START_GROUP,
    START_PRIVATE,
    UPLOAD_REJECTED,
)

RU, KK, KZ, DE, SILENT = 8101, 8102, 8103, 8104, 8105


def start_of(language: str, group: bool = False) -> str:
    hello = text(language, START, documents=1, passages=1)
    how = text(language, START_GROUP if group else START_PRIVATE, name="docs_test_bot")
    return visible(f"{hello}\n\n{how}")


def test_each_user_is_answered_in_their_language(fake_bot_api: FakeBotAPI, tmp_path: Path) -> None:
    api = fake_bot_api
    api.languages.update({RU: "ru", KK: "kk", KZ: "kz", DE: "de-AT"})
    settings, engine = scripted(api, tmp_path)
    with RunningBot(settings, engine, api):
        asked = ("/start", "/help", "what is the weather tomorrow?", "when was the festival?")
        for n, said in enumerate(asked, 1):  # one at a time: /start's reply takes longest
            for user in (RU, KK, KZ, DE):
                api.private_text(user, said)
            for user in (RU, KK, KZ, DE):
                api.wait_sent(user, n)
        replies = {user: api.wait_sent(user, 4) for user in (RU, KK, KZ, DE)}
        settle(api)
    for user, language in ((RU, "ru"), (KK, "kk"), (KZ, "kk")):
        start, help_, refusal, answer = texts(replies[user])
        assert start == start_of(language)
        assert help_ == text(language, HELP)
        assert refusal == text(language, NOT_FOUND)
        assert FESTIVAL in answer  # the quote as the document has it
        assert text(language, SOURCES) in answer
        assert "<b>" + text(language, SOURCES) + "</b>" in str(replies[user][3].params["text"])
        mine = [m for m in api.messages if m["chat"]["id"] == user and m.get("reply_markup")]
        buttons = [button_data(m) for m in mine]
        assert text(language, NOTIFY_BUTTON) in buttons[0]  # under the refusal
        assert text(language, SOURCES) in buttons[1]  # under the answer
    start, help_, refusal, _ = texts(replies[DE])  # a language the bot does not speak: English
    assert (start, help_) == (start_of("en"), HELP)
    assert refusal == "That is not in the documents."  # the answer's own English sentence
    assert "Sources" in button_data(last_with_buttons(api, DE))
    assert "Здравствуйте" in start_of("ru") and "Сәлеметсіз бе" in start_of("kk")


def test_a_group_keeps_the_language_last_seen_there(
    fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    api = fake_bot_api
    api.languages[RU] = "ru"
    settings, engine = scripted(api, tmp_path)
    with RunningBot(settings, engine, api):
        api.group_text(GROUP, SILENT, "/ask")  # nothing known of the group yet: English
        api.wait_sent(GROUP, 1)
        api.group_text(GROUP, RU, "/start")
        api.wait_sent(GROUP, 2)
        api.group_text(GROUP, SILENT, "/ask")  # no language_code: the group's, Russian
        sent = texts(api.wait_sent(GROUP, 3))
        settle(api)
    assert sent == [ASK_USAGE, start_of("ru", group=True), text("ru", ASK_USAGE)]


def test_commands_are_described_in_each_language(fake_bot_api: FakeBotAPI, tmp_path: Path) -> None:
    api = fake_bot_api
    settings, engine = scripted(api, tmp_path)
    with RunningBot(settings, engine, api):
        settle(api)
    menus = {c.params.get("language_code"): c.params["commands"] for c in api.calls_to(
        "setMyCommands")}  # fmt: skip
    assert set(menus) == {None, "ru", "kk"}
    for language, menu in menus.items():
        said = [(c, text(language or "en", d)) for c, d in COMMANDS]
        assert [(c["command"], c["description"]) for c in menu] == said
    assert menus["ru"][0]["description"] == "что я знаю и как задать вопрос"


def test_the_setting_forces_one_language(fake_bot_api: FakeBotAPI, tmp_path: Path) -> None:
    api = fake_bot_api
    api.languages[RU] = "ru"
    settings, engine = scripted(api, tmp_path)
    settings = settings.model_copy(update={"language": "kk"})
    with RunningBot(settings, engine, api):
        api.private_text(RU, "/help")
        api.private_text(DE, "what is the weather tomorrow?")
        assert texts(api.wait_sent(RU)) == [text("kk", HELP)]
        assert texts(api.wait_sent(DE)) == [text("kk", NOT_FOUND)]
        settle(api)


def test_an_admins_notices_are_in_their_language(fake_bot_api: FakeBotAPI, tmp_path: Path) -> None:
    api = fake_bot_api
    api.languages.update({ADMIN: "ru", USER: "kk"})
    settings, engine = scripted(api, tmp_path)
    with RunningBot(settings, engine, api):
        api.private_document(ADMIN, "setup.exe", b"MZ")
        refused = texts(api.wait_sent(ADMIN))[0]
        api.private_text(USER, "/reload")
        not_admin = texts(api.wait_sent(USER))[0]
        api.private_text(ADMIN, "/reload")  # the scripted engine cannot build: the reason stays
        failed = texts(api.wait_sent(ADMIN, 2))[1]
        settle(api)
    kinds = refused.split("только файлы ", 1)[1]
    reason = text("ru", REJECT_TYPE, kinds=kinds)
    assert refused == text("ru", UPLOAD_REJECTED, name="'setup.exe'", reason=reason)
    assert ".pdf" in kinds
    assert not_admin == text("kk", NOT_ADMIN)
    assert failed == text("ru", REINDEX_FAILED, reason="the scripted engine builds nothing")
