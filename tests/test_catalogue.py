"""The bot's own words in English, Russian and Kazakh (bot/telegram/catalogue.py): every string
of bot/telegram/replies.py, every command description and every skip reason of index/reasons.py
has a translation in each catalogue, with the same placeholders and HTML tags; the language
chosen for an update (bot/telegram/languages.py); a citation's place and a chat's scope in the
reader's language."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from telegram import Update

import bot.telegram.replies as replies
from bot.answering.answers import Answer
from bot.telegram.catalogue import ENGLISH, LANGUAGES, catalogue_file, text, translations
from bot.telegram.commands import COMMANDS
from bot.telegram.formatting import format_not_found, place_in
from bot.telegram.languages import ChatLanguages, spoken
from bot.telegram.scopes import described
from index import reasons
from index.scope import EVERYTHING, NOTHING, Scope

TRANSLATED = [lang for lang in LANGUAGES if lang != ENGLISH]
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def english() -> list[str]:
    """Every string the bot writes, in English (each once)."""
    said = [v for k, v in vars(replies).items() if k.isupper() and isinstance(v, str)]
    said += [description for _, description in COMMANDS]
    said += reasons.templates()  # why a file was skipped, shown to admins
    return list(dict.fromkeys(said))


def fields(said: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(said) if name is not None)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated(language: str) -> None:
    known = translations(language)
    missing = [said for said in english() if said not in known]
    assert not missing, f"{catalogue_file(language)}: translate {missing}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_catalogue_holds_only_strings_the_bot_writes(language: str) -> None:
    stale = sorted(set(translations(language)) - set(english()))
    assert not stale, f"{catalogue_file(language)}: the code no longer writes {stale}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_placeholders_and_tags(language: str) -> None:
    for said in english():
        translated = translations(language)[said]
        assert fields(translated) == fields(said), (language, said, translated)
        assert _TAG.findall(translated) == _TAG.findall(said), (language, said, translated)
        untranslated = translated == said and re.search("[a-z]{4}", said)  # "(OCR)" may stay
        assert translated.strip() and not untranslated, (language, said)


def test_text_fills_fields_and_falls_back_to_english() -> None:
    assert text("ru", replies.REFUSED, user_id=42).endswith("(42).")
    assert "Сәлеметсіз бе" in text("kk", replies.START, documents=1, passages=2)
    assert text("en", replies.REFUSED, user_id=7) == replies.REFUSED.format(user_id=7)
    assert text("de", replies.NOT_FOUND) == replies.NOT_FOUND
    assert text("ru", "A sentence no catalogue knows") == "A sentence no catalogue knows"


@pytest.mark.parametrize(
    ("code", "language"),
    [("ru", "ru"), ("ru-RU", "ru"), ("kk", "kk"), ("kz", "kk"), ("KK_kz", "kk"), ("en-GB", "en"),
     ("de", None), ("", None), (None, None)],
)  # fmt: skip
def test_spoken_languages(code: str | None, language: str | None) -> None:
    assert spoken(code) == language


def update(chat_id: int, user_id: int | None, code: str | None) -> Update:
    data: dict[str, Any] = {"update_id": 1}
    message: dict[str, Any] = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
        "text": "hi",
    }
    if user_id is not None:
        message["from"] = {"id": user_id, "is_bot": False, "first_name": "T"}
        if code is not None:
            message["from"]["language_code"] = code
    data["message"] = message
    return Update.de_json(data, None)


def test_the_choice_falls_back_to_the_chat_then_english() -> None:
    chats = ChatLanguages()
    assert chats.choose(update(-5, 1, "de")) == "en"  # nothing known: English
    assert chats.choose(update(-5, 2, "ru")) == "ru"
    assert chats.choose(update(-5, 3, None)) == "ru"  # the group's last known language
    assert chats.choose(update(-5, 4, "fr")) == "ru"
    assert chats.choose(update(-5, 5, "kz")) == "kk"
    assert chats.of_chat(-5) == "kk" and chats.of_chat(-6) == "en"
    assert chats.choose(update(9, 9, "en")) == "en"


def test_the_setting_forces_one_language() -> None:
    chats = ChatLanguages("kk")
    assert chats.choose(update(1, 1, "ru")) == "kk"
    assert chats.of_chat(1) == "kk"


def test_the_chats_remembered_are_bounded() -> None:
    chats = ChatLanguages(max_chats=2)
    for chat in (1, 2, 3):
        chats.choose(update(chat, chat, "ru"))
    assert [chats.of_chat(c) for c in (1, 2, 3)] == ["en", "ru", "ru"]


@pytest.mark.parametrize(
    ("location", "russian", "kazakh"),
    [
        ("page 7", "страница 7", "бет 7"),
        ("pages 5-6", "страницы 5-6", "беттер 5-6"),
        ("paragraphs 4-5", "абзацы 4-5", "абзацтар 4-5"),
        ('sheet "Budget", row 12', 'лист "Budget", строка 12', 'парақ "Budget", жол 12'),
        ("slide 4, notes", "слайд 4, заметки", "слайд 4, жазбалар"),
        ("page 7 (OCR)", "страница 7 (распознано OCR)", "бет 7 (OCR арқылы оқылған)"),
        ('"The page 3 row", paragraph 2', '"The page 3 row", абзац 2', '"The page 3 row", абзац 2'),
        ('chapter "Notes"', 'глава "Notes"', 'тарау "Notes"'),
    ],
)
def test_a_citations_place_in_the_readers_language(
    location: str, russian: str, kazakh: str
) -> None:
    assert place_in("en", location) == location
    assert place_in("ru", location) == russian
    assert place_in("kk", location) == kazakh


def test_a_scope_in_the_readers_language() -> None:
    assert [described(s, "en") for s in (EVERYTHING, NOTHING, Scope.of(["hr", "a"]))] == [
        "all documents",
        "no documents",
        "a/, hr/",
    ]
    assert described(EVERYTHING, "ru") == "все документы"
    assert described(NOTHING, "kk") == "ешбір құжат жоқ"
    assert described(Scope.of(["hr"]), "kk") == "hr/"


def test_a_refusals_related_places_in_the_readers_language() -> None:
    related = ("seed.pdf, page 2", 'b.xlsx, sheet "Budget", row 12', "page 3.txt, paragraph 1")
    refusal = Answer("q", "q", "That is not in the documents.", False, related=related)
    assert format_not_found(refusal, "kk") == (
        f"{text('kk', replies.NOT_FOUND)}\n\nТақырыпқа жақын: seed.pdf (бет 2); "
        'b.xlsx, парақ "Budget" (жол 12); page 3.txt (абзац 1)'
    )
    assert format_not_found(refusal, "en").startswith("That is not in the documents.\n\nRelated:")
