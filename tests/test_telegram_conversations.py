"""Which conversation a message belongs to (:mod:`bot.telegram.conversations`): the key built
from an update, its id (what the stores file turns under), and the answers' messages that a
reply continues. No model, no server."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from telegram import Message, Update

from bot.answering.conversation import MemoryConversationStore, Turn
from bot.settings import Settings
from bot.telegram.conversations import AnswerMessages, ConversationKey, topic_of
from bot.telegram.state import BotState

GROUP, ALICE, BOB, BOT = -1002601, 801, 802, 7000001


def message(chat: dict[str, Any], sender: int, message_id: int = 10, **fields: Any) -> Any:
    return {
        "message_id": message_id,
        "date": 1_700_000_000,
        "chat": chat,
        "from": {"id": sender, "is_bot": sender == BOT, "first_name": "T"},
        "text": "and why them?",
        **fields,
    }


def update(chat: dict[str, Any], sender: int, **fields: Any) -> Update:
    return Update.de_json({"update_id": 1, "message": message(chat, sender, **fields)}, None)


PRIVATE = {"id": ALICE, "type": "private", "first_name": "A"}
SUPERGROUP = {"id": GROUP, "type": "supergroup", "title": "Team"}
FORUM = {**SUPERGROUP, "is_forum": True}


def test_a_private_chat_is_one_conversation_keyed_as_before() -> None:
    key = ConversationKey.of(update(PRIVATE, ALICE))
    assert key == ConversationKey(ALICE)
    assert key is not None and key.id == str(ALICE)  # the id turns had before issue 26


def test_a_group_keeps_a_conversation_per_person() -> None:
    alice, bob = (
        ConversationKey.of(update(SUPERGROUP, ALICE)),
        ConversationKey.of(update(SUPERGROUP, BOB)),
    )
    assert alice == ConversationKey(GROUP, None, ALICE) and alice.id == f"{GROUP}|u{ALICE}"
    assert bob is not None and bob.id == f"{GROUP}|u{BOB}"
    # an anonymous admin speaks as the group: one person for the key
    anonymous = update(SUPERGROUP, 1087968824, sender_chat=SUPERGROUP)
    assert ConversationKey.of(anonymous) == ConversationKey(GROUP, None, GROUP)


def test_a_forum_keeps_a_conversation_per_topic_and_person() -> None:
    in_topic = update(FORUM, ALICE, message_thread_id=7, is_topic_message=True)
    key = ConversationKey.of(in_topic)
    assert key == ConversationKey(GROUP, 7, ALICE) and key.id == f"{GROUP}|t7|u{ALICE}"
    assert ConversationKey.parse(key.id) == key
    other = ConversationKey.of(update(FORUM, ALICE, message_thread_id=8, is_topic_message=True))
    assert other is not None and other.id != key.id
    general = ConversationKey.of(update(FORUM, ALICE))  # the General topic has no thread id
    assert general == ConversationKey(GROUP, None, ALICE)
    # a reply chain in a group without topics has a thread id that is no topic
    chain = update(SUPERGROUP, ALICE, message_thread_id=3)
    assert topic_of(chain.effective_message) is None
    assert ConversationKey.of(chain) == ConversationKey(GROUP, None, ALICE)


@pytest.mark.parametrize(
    "key",
    [ConversationKey(5), ConversationKey(5, 2), ConversationKey(-9, None, 4),
     ConversationKey(-9, 2, 4)],
)  # fmt: skip
def test_ids_parse_back(key: ConversationKey) -> None:
    assert ConversationKey.parse(key.id) == key


def test_no_group_key_has_the_form_of_a_key_from_before() -> None:
    """Before issue 26 a group's turns were kept under its chat id alone: no key now has
    that id, so those turns are never read again (the memory store loses them at the restart;
    PostgreSQL drops them: tests/test_shared_state.py)."""
    store = MemoryConversationStore()
    store.add(str(GROUP), Turn("who manages regional commissions?", "", "", (), True, 0.0))
    store.add(str(ALICE), Turn("who reported the story?", "", "", (), True, time.monotonic()))
    for sender in (ALICE, BOB, GROUP):
        key = ConversationKey.of(update(SUPERGROUP, sender))
        assert key is not None and key.id != str(GROUP)
    private = ConversationKey.of(update(PRIVATE, ALICE))
    assert private is not None and [t.question for t in store.recent(private.id)] == [
        "who reported the story?"
    ]


def test_answer_messages_are_held_for_the_conversations_age_and_bounded() -> None:
    now = [100.0]
    held = AnswerMessages(max_age=60, keep=3, clock=lambda: now[0])
    alice = ConversationKey(GROUP, None, ALICE)
    held.add(GROUP, [20, 21], alice)
    assert held.get(GROUP, 21) == alice and held.get(GROUP, 22) is None
    assert held.get(-5, 21) is None  # message ids are per chat
    now[0] += 61
    assert held.get(GROUP, 20) is None  # as old as the conversation's turns: gone
    held.add(GROUP, [30, 31, 32], alice)
    assert held.get(GROUP, 21) is None and held.get(GROUP, 32) == alice  # the newest 3 kept


async def test_a_reply_to_an_answer_continues_that_answers_conversation(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, feedback_file=tmp_path / "f.jsonl")
    state = BotState(settings, None, str(BOT))  # type: ignore[arg-type]
    alice = ConversationKey(GROUP, None, ALICE)
    await state.answered(alice, GROUP, [50, 51])
    answer = message(SUPERGROUP, BOT, message_id=51, text="They will be managed by Akims.")
    reply = update(SUPERGROUP, BOB, reply_to_message=answer)
    assert await state.conversation(reply) == alice  # Bob continues Alice's conversation
    elsewhere = message(SUPERGROUP, BOT, message_id=49, text="Hello!")  # not an answer
    own = await state.conversation(update(SUPERGROUP, BOB, reply_to_message=elsewhere))
    assert own == ConversationKey(GROUP, None, BOB)
    assert await state.conversation(update(SUPERGROUP, BOB)) == ConversationKey(GROUP, None, BOB)


def test_topic_of_reads_only_topic_messages() -> None:
    in_topic = Message.de_json(message(FORUM, ALICE, message_thread_id=7, is_topic_message=True))
    assert topic_of(in_topic) == 7
    assert topic_of(None) is None
