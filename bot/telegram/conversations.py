"""Which conversation a message belongs to (issue 26): :class:`ConversationKey`, built from an
update in one place (:meth:`ConversationKey.of`).

In a private chat the conversation is the chat. In a group it is one person's within the chat,
and within the forum topic when the group has topics, so that Alice's "and why them?" is
resolved against Alice's question, not against Bob's that came in between, nor against her own
in another topic. A reply to one of the bot's answers continues the conversation of that answer,
whoever replies: the answers' messages are remembered with their key (:class:`AnswerMessages`
here, :class:`~bot.telegram.shared.conversations.PgAnswerMessages` with ``DOCBOT_STORE``).

The key's :attr:`~ConversationKey.id` is what the conversation stores file turns under. A private
chat's id is the chat id alone, as before issue 26, so its turns carry over an upgrade; a group's
id always names the person (``-100123|u42``, ``-100123|t7|u42``) and so never meets the ids
under which groups' turns were kept before (the chat id alone), which are dropped or expire.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from telegram import MaybeInaccessibleMessage, Message, Update
from telegram.constants import ChatType

KEEP = 5000  # answers' messages remembered (memory store)


def topic_of(message: MaybeInaccessibleMessage | None) -> int | None:
    """The forum topic a message was sent in (its ``message_thread_id``), else None. Replies
    in a group without topics carry a ``message_thread_id`` too, of their reply chain, which
    Telegram refuses as a send's target: only a topic message's counts."""
    if isinstance(message, Message) and message.is_topic_message:
        return message.message_thread_id
    return None


@dataclass(frozen=True)
class ConversationKey:
    chat: int
    topic: int | None = None  # the forum topic, when the chat has topics
    person: int | None = None  # the asker, in a group (None in a private chat)

    @property
    def id(self) -> str:
        """What the conversation stores file turns under (see the module's docstring)."""
        parts = [str(self.chat)]
        if self.topic is not None:
            parts.append(f"t{self.topic}")
        if self.person is not None:
            parts.append(f"u{self.person}")
        return "|".join(parts)

    @classmethod
    def parse(cls, key_id: str) -> ConversationKey:
        """The key back from its :attr:`id`."""
        chat, *rest = key_id.split("|")
        fields = {part[0]: int(part[1:]) for part in rest}
        return cls(int(chat), fields.get("t"), fields.get("u"))

    @classmethod
    def of(cls, update: Update) -> ConversationKey | None:
        """The conversation of the update's message, as asked (a reply to an answer may
        continue another: :meth:`bot.telegram.state.BotState.conversation`); None without a
        chat."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None:
            return None
        topic = topic_of(message)
        if chat.type == ChatType.PRIVATE:
            return cls(chat.id, topic)
        sender = update.effective_sender  # a user, or the chat an anonymous admin speaks as
        return cls(chat.id, topic, sender.id if sender is not None else 0)


class AnswerStore(Protocol):
    """The messages of the bot's answers and the conversation each answered."""

    def add(self, chat_id: int, message_ids: Iterable[int], key: ConversationKey) -> None: ...

    def get(self, chat_id: int, message_id: int) -> ConversationKey | None: ...


class AnswerMessages:
    """In memory, thread-safe: the last ``keep`` answers' messages, none older than ``max_age``
    seconds (past it the answer's turns are gone too, and a reply starts its own)."""

    def __init__(
        self, max_age: float, keep: int = KEEP, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age, self.keep, self.clock = max_age, keep, clock
        self._items: OrderedDict[tuple[int, int], tuple[ConversationKey, float]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, chat_id: int, message_ids: Iterable[int], key: ConversationKey) -> None:
        with self._lock:
            for message_id in message_ids:
                self._items[chat_id, message_id] = (key, self.clock())
            while len(self._items) > self.keep:
                self._items.popitem(last=False)

    def get(self, chat_id: int, message_id: int) -> ConversationKey | None:
        with self._lock:
            held = self._items.get((chat_id, message_id))
        if held is None or held[1] < self.clock() - self.max_age:
            return None
        return held[0]
