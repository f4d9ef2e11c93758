"""The ``context`` each handler gets: python-telegram-bot's own, plus the bot's shared state
(:class:`~bot.telegram.state.BotState`) as a typed attribute, :attr:`DocbotContext.docbot`, and
the language of the replies to its update, :attr:`DocbotContext.language` (set by the access
gate: :mod:`bot.telegram.languages`), with :meth:`DocbotContext.text` to say a string in it.
PTB makes one context per update, shared by the gate and the handler behind it. The application
is built with :data:`CONTEXT_TYPES` (PTB's ``ContextTypes``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.telegram.catalogue import ENGLISH, text
from bot.telegram.state import BotState

DOCBOT = "docbot"  # the key of the BotState in PTB's bot_data


def docbot_of(bot_data: Mapping[str, Any]) -> BotState:
    """The bot's state in an application's ``bot_data`` (set by ``build_application``)."""
    state = bot_data[DOCBOT]
    if not isinstance(state, BotState):
        raise TypeError(f"bot_data[{DOCBOT!r}] is a {type(state).__name__}, not a BotState")
    return state


class DocbotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's callback context, with the bot's state and the replies' language."""

    language: str = ENGLISH  # the gate sets the update's own

    @property
    def docbot(self) -> BotState:
        return docbot_of(self.bot_data)

    def text(self, key: str, **fields: object) -> str:
        """A string of :mod:`bot.telegram.replies` in the update's language."""
        return text(self.language, key, **fields)


CONTEXT_TYPES = ContextTypes(context=DocbotContext)
