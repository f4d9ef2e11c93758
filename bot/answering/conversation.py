"""Conversations: the last turns of each conversation id (a terminal session; in Telegram a
private chat, or one person's conversation in a group and forum topic, as
``bot.telegram.conversations`` keys them), and follow-up questions resolved against them before
retrieval.

A follow-up is a question that refers back ("who appoints them?", "and why them?") or is too
short to search on its own ("and in 2012?"). It is resolved by appending the key words of the
question the conversation is about (the last one that was not a follow-up) and the names in the
previous answer's last cited sentence, so "and why them?" after "who manages regional
commissions?" searches for "and why them? manages regional commissions Akims Governors".
Sentences already given as answers are avoided unless the follow-up's own words occur in them,
so the next answer brings new information ("and why them?" gets the reason, not the Akims
sentence again).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from index.text import WORD, split_sentences, tokenize
from index.text import names as names_in

_FOLLOW_UP_OPENERS = ("and ", "but ", "also ", "what about ", "how about ", "so ", "then ", "or ")
_REFERRING = frozenset(
    "it its they them their theirs these those this that he him his she her hers there such"
    " same".split()
)
_FOLLOW_UP_TERMS = 2  # a question with at most this many content terms is a follow-up
_QUESTION_WORDS = frozenset(
    "who whom whose what which when where why how many much does do did is are was were will"
    " can could should would".split()
)
_KEY_WORDS = 8
_NAMES = 4


@dataclass(frozen=True)
class Turn:
    question: str
    resolved: str
    answer: str  # the answer text
    cited: tuple[str, ...]  # the cited texts (empty when not found)
    found: bool
    at: float  # time.monotonic() of the answer
    follow_up: bool = False  # resolved against an earlier turn


@dataclass(frozen=True)
class Resolution:
    text: str  # what to search
    follow_up: bool
    avoid: tuple[str, ...] = ()  # texts already given as answers


class ConversationStore(Protocol):
    """Recent turns per conversation id; implementations may persist them."""

    def recent(self, conversation_id: str) -> list[Turn]: ...

    def add(self, conversation_id: str, turn: Turn) -> None: ...

    def clear(self, conversation_id: str) -> None: ...


class MemoryConversationStore:
    """In memory, thread-safe: at most ``turns`` turns per conversation, none older than
    ``max_age`` seconds, at most ``conversations`` conversations (least recently used go)."""

    def __init__(
        self,
        turns: int = 6,
        max_age: float = 1800.0,
        conversations: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.turns = turns
        self.max_age = max_age
        self.conversations = conversations
        self.clock = clock
        self._data: OrderedDict[str, deque[Turn]] = OrderedDict()
        self._lock = threading.Lock()

    def recent(self, conversation_id: str) -> list[Turn]:
        with self._lock:
            turns = self._data.get(conversation_id)
            if turns is None:
                return []
            oldest = self.clock() - self.max_age
            while turns and turns[0].at < oldest:
                turns.popleft()
            if not turns:
                del self._data[conversation_id]
                return []
            return list(turns)

    def add(self, conversation_id: str, turn: Turn) -> None:
        with self._lock:
            turns = self._data.get(conversation_id)
            if turns is None:
                turns = self._data[conversation_id] = deque(maxlen=self.turns)
            self._data.move_to_end(conversation_id)
            turns.append(turn)
            while len(self._data) > self.conversations:
                self._data.popitem(last=False)

    def clear(self, conversation_id: str) -> None:
        with self._lock:
            self._data.pop(conversation_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


def is_follow_up(question: str) -> bool:
    """Refers back (a pronoun, "and ..."), or too short to search on its own."""
    q = question.strip().lower()
    if q.startswith(_FOLLOW_UP_OPENERS):
        return True
    words = {w.lower() for w in WORD.findall(q)}
    if words & _REFERRING:
        return True
    return len(set(tokenize(q))) <= _FOLLOW_UP_TERMS


def key_words(text: str, limit: int = _KEY_WORDS) -> list[str]:
    """The words of ``text`` that carry content (not stop words), in order, once each."""
    out: list[str] = []
    seen: set[str] = set()
    for word in WORD.findall(text):
        if word.lower() in _QUESTION_WORDS:
            continue
        stems = tokenize(word)
        if not stems or stems[0] in seen:
            continue
        seen.add(stems[0])
        out.append(word)
        if len(out) >= limit:
            break
    return out


def names(text: str, limit: int = _NAMES) -> list[str]:
    """The first ``limit`` distinct names of a sentence (``index.text.names``): the entities an
    answer talks about."""
    return list(dict.fromkeys(names_in(text)))[:limit]


def last_sentence(text: str) -> str:
    """The last sentence of a cited unit (``index.text.split_sentences``): the one that
    answered."""
    spans = split_sentences(text)
    return text[spans[-1][0] : spans[-1][1]] if spans else text


def resolve(question: str, history: Sequence[Turn]) -> Resolution:
    """What to search for ``question`` given the conversation so far."""
    if not history or not is_follow_up(question):
        return Resolution(question, follow_up=False)
    last = history[-1]
    topic = next((t for t in reversed(history) if not t.follow_up), history[0])
    own = {t for w in WORD.findall(question) for t in tokenize(w)}
    extra: list[str] = []
    for word in key_words(topic.question):
        stems = tokenize(word)
        if stems and stems[0] not in own and word not in extra:
            extra.append(word)
    if last.found and last.cited:
        for word in names(last_sentence(last.cited[-1])):
            if word not in extra:
                extra.append(word)
    text = f"{question.strip()} {' '.join(extra)}".strip()
    # A previous answer is not repeated unless the follow-up's own words point at it again
    # ("and protests?" may get the sentence with "35 violent protests" a second time).
    avoid = tuple(t for turn in history for t in turn.cited if not own & set(tokenize(t)))
    return Resolution(text, follow_up=True, avoid=avoid)
