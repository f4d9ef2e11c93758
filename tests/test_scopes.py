"""Scopes (issue 26): a chat mapped to some folders of the documents is answered only from
them. The scope itself (``index.scope``), the search keeping to it in FAISS and BM25 before
fusion (flat and HNSW) and in PostgreSQL, the engine's answers and follow-ups, and the scopes
file (``bot.telegram.scopes``): read at start, read again when it changes, a bad file refused
with the fix. The bot end to end: ``tests/test_scopes_bot.py``."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.engines import settings_for
from support.fakes import FakeEmbedder
from support.scoped import (
    ADMINS_CHAT,
    CLOSED_CHAT,
    FINANCE_CHAT,
    HR_CHAT,
    QUESTIONS,
    SCOPES,
    write_documents,
)

from bot.answering.engine import Engine
from bot.telegram.errors import ScopesFileError
from bot.telegram.scopes import ChatScopes, parse
from index import build, load
from index.postgres import PgStore
from index.postgres.reader import PgIndex
from index.retriever import Index
from index.scope import EVERYTHING, NOTHING, Scope, ScopeRows, clean_folder
from index.settings import IndexSettings

HR = Scope.of(["hr", "public"])
FINANCE = Scope.of(["finance"])


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    return write_documents(tmp_path / "documents")


def index_of(documents: Path, folder: Path, dense: str = "flat") -> Index:
    settings = IndexSettings(dense_kind=dense)
    build(documents, folder / "index", FakeEmbedder(), settings)
    return load(folder / "index", FakeEmbedder(), settings)


def sources(hits: list[Any]) -> set[str]:
    return {h.chunk.source for h in hits}


# --- the scope ----------------------------------------------------------------------------------
def test_a_scope_admits_what_lies_under_its_folders() -> None:
    scope = Scope.of(["hr/", "./public", "legal\\contracts"])
    assert scope.folders == frozenset({"hr", "public", "legal/contracts"})
    assert scope.prefixes == ("hr/", "legal/contracts/", "public/")
    assert scope.admits("hr/a.md") and scope.admits("legal/contracts/2024/x.pdf")
    assert not scope.admits("hrm/a.md") and not scope.admits("hr") and not scope.admits("a.md")
    assert not scope.admits("legal/other.md")
    assert EVERYTHING.everything and EVERYTHING.admits("anything.md")
    assert NOTHING.nothing and not NOTHING.admits("hr/a.md")
    assert scope.describe() == "hr/, legal/contracts/, public/"
    assert Scope.of(["hr"]) == Scope.of(["hr/"])  # one mask per scope, however it is spelled


@pytest.mark.parametrize("folder", ["", "/", "..", "hr/../finance", "./"])
def test_a_folder_outside_the_documents_is_refused(folder: str) -> None:
    with pytest.raises(ValueError):
        clean_folder(folder)


# --- retrieval ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dense", ["flat", "hnsw"])
def test_search_returns_only_passages_in_scope(documents: Path, tmp_path: Path, dense: str) -> None:
    index = index_of(documents, tmp_path, dense)
    everything = index.search(list(QUESTIONS), k=10)
    assert set().union(*map(sources, everything)) >= {"hr/travel-leave.md", "finance/budget.md"}
    for scope, allowed in ((HR, ("hr/", "public/")), (FINANCE, ("finance/",))):
        for hits in index.search(list(QUESTIONS), k=10, scope=scope):
            assert hits, "every question finds something in its scope"
            assert all(s.startswith(allowed) for s in sources(hits)), sources(hits)
    assert index.search(list(QUESTIONS), k=10, scope=NOTHING) == [[] for _ in QUESTIONS]
    assert index.search(list(QUESTIONS), k=10, scope=EVERYTHING) == everything


def test_candidates_of_other_scopes_never_reach_fusion(documents: Path, tmp_path: Path) -> None:
    """Masked in both searches: FAISS returns only rows in scope, BM25 scores the others 0."""
    index = index_of(documents, tmp_path)
    within = index.scope_rows(FINANCE)
    assert isinstance(within, ScopeRows) and 0 < within.count < len(index)
    assert index.scope_rows(FINANCE) is within  # one mask per scope and index
    vectors = FakeEmbedder().encode(list(QUESTIONS))
    _, ids = index.dense.search(vectors, len(index), within)
    for row in ids:
        found = row[row >= 0]
        assert len(found) == within.count and within.mask[found].all()
    for question in QUESTIONS:
        scores = index.sparse.scores(question, within)
        assert not scores[~within.mask].any()
        assert np.array_equal(scores[within.mask], index.sparse.scores(question)[within.mask])


def test_scope_counts(documents: Path, tmp_path: Path) -> None:
    index = index_of(documents, tmp_path)
    assert set(index.scope_sources(HR)) == {"hr/travel-leave.md", "hr/onboarding.md",
                                            "public/about.md"}  # fmt: skip
    assert index.scope_passages(EVERYTHING) == len(index)
    assert index.scope_passages(NOTHING) == 0
    assert index.scope_passages(HR) + index.scope_passages(FINANCE) == len(index)


@pytest.mark.parametrize("dense", ["flat", "hnsw"])
def test_postgres_search_keeps_to_the_scope(
    pg_url: str, documents: Path, tmp_path: Path, dense: str
) -> None:
    """The same hits as the folder store, scope by scope: a WHERE on the source's folder."""
    settings = IndexSettings(dense_kind=dense)
    store = PgStore(pg_url)
    store.build(documents, FakeEmbedder(), settings)
    in_pg = store.load(FakeEmbedder(), settings)
    on_disk = index_of(documents, tmp_path, dense)
    for scope in (HR, FINANCE, NOTHING, EVERYTHING):
        got = in_pg.search(list(QUESTIONS), k=10, scope=scope)
        want = on_disk.search(list(QUESTIONS), k=10, scope=scope)
        assert [[h.chunk.id for h in hits] for hits in got] == [
            [h.chunk.id for h in hits] for hits in want
        ]
        for hits in got:
            assert all(scope.admits(s) for s in sources(hits))


# --- the engine ---------------------------------------------------------------------------------
def test_answers_and_follow_ups_keep_to_the_scope(documents: Path, tmp_path: Path) -> None:
    engine = Engine(settings_for(documents, tmp_path / "index"), embedder=FakeEmbedder())
    engine.reindex()
    for scope, marks in ((HR, ("Sokolov", "finance/")), (FINANCE, ("Petrova", "hr/"))):
        talk = f"talk-{scope.describe()}"
        for question in ("Who approves travel?", "and why them?", "and the budget?"):
            answer = engine.ask(question, talk, scope=scope)
            assert all(scope.admits(c.source) for c in answer.citations)
            shown = " ".join([answer.text, *answer.related, *(c.quote for c in answer.citations)])
            assert not [m for m in marks if m in shown], (question, shown)
        hits = engine.search(["Who approves travel?"], k=10, scope=scope)[0]
        assert hits and all(scope.admits(s) for s in sources(hits))


# --- the scopes file ----------------------------------------------------------------------------
def test_the_scopes_file_maps_chats_to_folders(tmp_path: Path) -> None:
    path = tmp_path / "scopes.toml"
    path.write_text(SCOPES, encoding="utf-8")
    scopes = ChatScopes(path)
    assert scopes.of(HR_CHAT) == HR and scopes.of(FINANCE_CHAT) == FINANCE
    assert scopes.of(ADMINS_CHAT) == EVERYTHING
    assert scopes.of(CLOSED_CHAT) == NOTHING  # not listed: the default
    assert parse("").of(CLOSED_CHAT) == EVERYTHING  # default "all" unless it says otherwise
    assert ChatScopes.of_setting("", tmp_path).of(CLOSED_CHAT) == EVERYTHING  # no file


def test_a_change_of_the_file_takes_effect_without_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "scopes.toml"
    path.write_text(SCOPES, encoding="utf-8")
    scopes = ChatScopes(path)
    assert scopes.of(CLOSED_CHAT) == NOTHING
    rewrite(path, SCOPES.replace('default = "none"', 'default = "all"'))
    assert scopes.of(CLOSED_CHAT) == EVERYTHING and scopes.of(HR_CHAT) == HR
    with caplog.at_level(logging.ERROR, logger="docbot.telegram"):
        rewrite(path, SCOPES + "\n[chats\n")  # a bad change: logged, the scopes before stay
        assert scopes.of(CLOSED_CHAT) == EVERYTHING and scopes.of(FINANCE_CHAT) == FINANCE
    assert "not valid TOML" in caplog.text and scopes.problem
    rewrite(path, f'[chats]\n"{CLOSED_CHAT}" = ["finance"]\n')
    assert scopes.of(CLOSED_CHAT) == FINANCE and scopes.of(HR_CHAT) == EVERYTHING
    assert scopes.problem is None
    path.unlink()  # removed: logged, the scopes before stay
    assert scopes.of(CLOSED_CHAT) == FINANCE


def rewrite(path: Path, text: str) -> None:
    """Write ``text`` and move the modification time on, as a later edit would."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("default = all", "not valid TOML"),
        ('default = "some"', 'use "all" or "none"'),
        ('[chats]\n"hr-chat" = ["hr"]', "is not a chat id"),
        ('[chats]\n"42" = "hr"', "give a list of folders"),
        ('[chats]\n"42" = ["../secret"]', "leaves the documents folder"),
        ('chats = ["42"]', "chats must be a table"),
        ('defaults = "all"', "unknown key(s) defaults"),
    ],
)
def test_a_bad_scopes_file_stops_the_start_saying_the_fix(
    tmp_path: Path, text: str, says: str
) -> None:
    path = tmp_path / "scopes.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScopesFileError) as raised:
        ChatScopes(path)
    assert says in str(raised.value) and str(path) in str(raised.value)
    assert "unset DOCBOT_SCOPES" in str(raised.value)


def test_a_missing_scopes_file_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ScopesFileError, match="cannot be read"):
        ChatScopes.of_setting(str(tmp_path / "nope.toml"), tmp_path)


def test_a_folder_the_documents_lack_is_reported(
    documents: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "scopes.toml"
    path.write_text('[chats]\n"42" = ["hr", "legal"]\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="docbot.telegram"):
        ChatScopes(path, documents)
    assert "legal/, which is not a folder" in caplog.text and "hr/," not in caplog.text


def test_postgres_hnsw_finds_a_small_scope_whole(pg_url: str, tmp_path: Path) -> None:
    """A scope of 80 rows among 480: HNSW's first ``ef_search`` rows hold few of them, and
    pgvector's iterative scan goes on until the search has them all."""
    documents = tmp_path / "documents"
    for folder, count in (("big", 400), ("small", 80)):
        (documents / folder).mkdir(parents=True)
        for i in range(count):
            text = f"Note {folder} {i}: item {i * 7919 % 1000} of batch {i % 13} was shipped."
            (documents / folder / f"n{i}.txt").write_text(text, encoding="utf-8")
    settings = IndexSettings(dense_kind="hnsw")
    store = PgStore(pg_url)
    store.build(documents, FakeEmbedder(), settings)
    index = store.load(FakeEmbedder(), settings)
    assert isinstance(index, PgIndex)
    within = index.scope_rows(Scope.of(["small"]))
    assert within is not None and within.count == 80
    for scan in ("seqscan", "bitmapscan"):  # the planner would read all 480 rows instead
        index.conn.execute(f"SET enable_{scan} = off")
    _, ids = index.dense.search(FakeEmbedder().encode(["item shipped"]), 80, within)
    assert sorted(ids[0]) == sorted(np.flatnonzero(within.mask))
