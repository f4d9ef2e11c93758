"""Which language the bot speaks to an update, decided in one place (the access gate calls
:meth:`ChatLanguages.choose` and hands the result to every handler as ``context.language``).

``DOCBOT_LANGUAGE`` forces one of :data:`~bot.telegram.catalogue.LANGUAGES`; on ``auto`` it is
the asker's Telegram ``language_code`` when the bot speaks it ("ru-RU" is Russian, "kz" is
Kazakh), else the chat's last known language (a group where this person's app says nothing
useful, a notification sent later), else English. The chats' languages are kept in memory,
the most recent :data:`MAX_CHATS`."""

from __future__ import annotations

from collections import OrderedDict

from telegram import Update

from bot.telegram.catalogue import ENGLISH, LANGUAGES

ALIASES = {"kz": "kk"}  # codes some clients send for a language of LANGUAGES
MAX_CHATS = 20000


def spoken(code: str | None) -> str | None:
    """The language of :data:`LANGUAGES` a Telegram ``language_code`` (an IETF tag such as
    "ru" or "en-GB") names, or None."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-", 1)[0]
    base = ALIASES.get(base, base)
    return base if base in LANGUAGES else None


class ChatLanguages:
    """Each chat's last known language, and the choice for an update."""

    def __init__(self, forced: str = "auto", max_chats: int = MAX_CHATS) -> None:
        self.forced = forced
        self.max_chats = max_chats
        self._chats: OrderedDict[int, str] = OrderedDict()

    def of_chat(self, chat_id: int | None) -> str:
        """The language to write to a chat when no one in it asked (a notification)."""
        if self.forced != "auto":
            return self.forced
        return self._chats.get(chat_id, ENGLISH) if chat_id is not None else ENGLISH

    def choose(self, update: Update) -> str:
        """The language of the reply to ``update``; a language its sender's app names is
        remembered as the chat's."""
        if self.forced != "auto":
            return self.forced
        user, chat = update.effective_user, update.effective_chat
        language = spoken(user.language_code if user else None)
        chat_id = chat.id if chat else (user.id if user else None)
        if language is None:
            return self.of_chat(chat_id)
        if chat_id is not None:
            self._chats[chat_id] = language
            self._chats.move_to_end(chat_id)
            while len(self._chats) > self.max_chats:
                self._chats.popitem(last=False)
        return language
