"""Conversations: the store's bounds (turns, age, number of conversations), follow-up detection
and resolution, and a real follow-up answered from the right passage."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from support.fakes import FakeEmbedder

from bot.answering.conversation import (
    MemoryConversationStore,
    Turn,
    is_follow_up,
    names,
    resolve,
)
from bot.answering.engine import Engine
from bot.settings import Settings
from index.retriever import Index

AKIMS = (
    "The Central Communications Service explains that new legislative amendments for "
    "countering extremism have made it possible to create regional anti-terrorist commissions "
    "in Kazakhstan's oblasts. They will be managed by oblast Akims (Governors)."
)


def turn(question: str, at: float | None = None, cited: tuple[str, ...] = ()) -> Turn:
    when = time.monotonic() if at is None else at
    return Turn(question, question, "answer", cited, bool(cited), when)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_store_keeps_the_last_turns_only() -> None:
    store = MemoryConversationStore(turns=2)
    for i in range(5):
        store.add("a", turn(f"q{i}"))
    assert [t.question for t in store.recent("a")] == ["q3", "q4"]
    assert store.recent("nobody") == []


def test_store_forgets_old_turns() -> None:
    clock = Clock()
    store = MemoryConversationStore(turns=5, max_age=60, clock=clock)
    store.add("a", turn("old", at=clock.now))
    clock.now += 50
    store.add("a", turn("new", at=clock.now))
    assert [t.question for t in store.recent("a")] == ["old", "new"]
    clock.now += 20  # "old" is now 70 s old
    assert [t.question for t in store.recent("a")] == ["new"]
    clock.now += 100
    assert store.recent("a") == []
    assert len(store) == 0


def test_store_drops_the_least_recently_used_conversation() -> None:
    store = MemoryConversationStore(conversations=2)
    store.add("a", turn("qa"))
    store.add("b", turn("qb"))
    store.add("a", turn("qa2"))  # "a" used last
    store.add("c", turn("qc"))
    assert store.recent("b") == []
    assert [t.question for t in store.recent("a")] == ["qa", "qa2"]
    assert len(store) == 2
    store.clear("a")
    assert store.recent("a") == []


def test_store_is_thread_safe() -> None:
    store = MemoryConversationStore(turns=1000, conversations=1000)

    def work(n: int) -> None:
        for i in range(200):
            store.add(f"c{n % 4}", turn(f"{n}-{i}"))
            store.recent(f"c{(n + 1) % 4}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(store.recent(f"c{i}")) for i in range(4)) == 1600


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("and in 2012?", True),
        ("who appoints them?", True),
        ("and why them?", True),
        ("What about the protests?", True),
        ("why?", True),
        ("How many extremist groups did the commission neutralize?", False),
        ("who manages regional commissions?", False),
    ],
)
def test_follow_up_detection(question: str, expected: bool) -> None:
    assert is_follow_up(question) is expected


def test_names_skip_sentence_starts() -> None:
    assert names("They will be managed by oblast Akims (Governors).") == ["Akims", "Governors"]


def test_resolve_appends_the_topic_and_the_answers_names() -> None:
    first = turn("who manages regional commissions?", cited=(AKIMS,))
    r = resolve("and why them?", [first])
    assert r.follow_up
    assert r.text == "and why them? manages regional commissions Akims Governors"
    assert r.avoid == (AKIMS,)  # the follow-up's own words do not point at it again
    # a standalone question is searched as asked, even in a conversation
    plain = resolve("How many extremist groups were neutralized?", [first])
    assert plain.text == "How many extremist groups were neutralized?" and not plain.follow_up
    assert resolve("and why them?", []).text == "and why them?"


def test_chained_follow_ups_keep_the_original_topic() -> None:
    first = turn("who manages regional commissions?", cited=(AKIMS,))
    second = Turn("and why them?", "and why them? ...", "a", ("The decision ...",), True, 0, True)
    r = resolve("who appoints them?", [first, second])
    assert r.text.startswith("who appoints them? manages regional commissions")
    assert "why" not in r.text.split("?", 1)[1]


def test_a_previous_answer_may_return_when_the_follow_up_names_it() -> None:
    protests = (
        "Kazakhstan National Security Commission neutralized 42 extremist groups and "
        "prevented 35 violent protests in 2011 and 2012."
    )
    first = turn("How many extremist groups were neutralized?", cited=(protests,))
    assert resolve("and protests?", [first]).avoid == ()
    assert resolve("and in 2012?", [first]).avoid == ()  # "2012" is in it
    assert resolve("and why?", [first]).avoid == (protests,)


@pytest.mark.model
def test_follow_up_is_answered_from_the_power_and_resources_passage(
    seed_index: Index,
    real_embedder: Any,
) -> None:
    settings = Settings(index_dir=Path(seed_index.folder), _env_file=None)
    engine = Engine(settings, embedder=real_embedder)
    first = engine.ask("who manages regional commissions?", conversation_id="chat-1")
    assert "managed by oblast Akims" in first.text
    follow = engine.ask("and why them?", conversation_id="chat-1")
    assert follow.found
    assert follow.resolved != follow.question and "Akims" in follow.resolved
    assert "power and resources" in follow.text
    assert "power and resources" in follow.citations[0].cited
    # another conversation has no history: the same words are searched as asked
    alone = engine.ask("and why them?", conversation_id="chat-2")
    assert alone.resolved == "and why them?"
    assert [t.question for t in engine.conversations.recent("chat-1")] == [
        "who manages regional commissions?",
        "and why them?",
    ]


def test_answers_encode_only_the_question(
    docs_dir: Path,
    tmp_path: Path,
    fake_embedder: FakeEmbedder,
) -> None:
    from support.paths import DOCUMENTS, SEED_NAME

    from index import build

    (docs_dir / SEED_NAME).write_text((DOCUMENTS / SEED_NAME).read_text(encoding="utf-8"))
    build(docs_dir, tmp_path / "index", fake_embedder)
    settings = Settings(documents_dir=docs_dir, index_dir=tmp_path / "index", _env_file=None)
    engine = Engine(settings, embedder=fake_embedder)
    before = fake_embedder.texts_encoded
    for question in ("who manages regional commissions?", "and why them?"):
        engine.ask(question, conversation_id="t")
    # Sentence vectors were stored at build time: each answer encodes only its question.
    assert fake_embedder.texts_encoded == before + 2


def test_the_composer_is_built_once_per_loaded_index(
    docs_dir: Path,
    tmp_path: Path,
    fake_embedder: FakeEmbedder,
) -> None:
    from support.paths import DOCUMENTS, SEED_NAME

    (docs_dir / SEED_NAME).write_text((DOCUMENTS / SEED_NAME).read_text(encoding="utf-8"))
    settings = Settings(documents_dir=docs_dir, index_dir=tmp_path / "index", _env_file=None)
    engine = Engine(settings, embedder=fake_embedder)
    engine.reindex()
    first = engine.index()
    composer = engine.composer(first)
    engine.ask("who manages regional commissions?")
    assert engine.composer(engine.index()) is composer
    assert composer.chooser.stats is first.stats  # the index's statistics, built once
    engine.reindex(full=True)  # a new build is swapped in: the next question gets a new one
    assert engine.index() is not first
    assert engine.composer(engine.index()) is not composer
