"""Fixtures: every path under tmp_path; a tiny fake embedder for unit tests, the real model
(session-scoped) for evals; ../shared data that skips outside this workplace. What they are
made of lives in ``tests/support``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# English only unless a test asks for the multilingual space (tests of languages turn it on)
os.environ.setdefault("DOCBOT_MULTILINGUAL", "false")

from support.engines import built_index, engine_over_documents, mixed_collection
from support.fakebotapi import FakeBotAPI, running_fake_api
from support.fakes import FakeEmbedder
from support.paths import DOCUMENTS, shared_path
from support.postgres import fresh_database, test_server

from bot.answering.engine import Engine
from index.retriever import Index

# Fixtures that load the real model: a test using one is marked ``model`` here, so that
# ``-m "not model and not subprocess"`` (``scripts/test --fast``) leaves it out.
MODEL_FIXTURES = frozenset(
    {"real_embedder", "seed_index", "seed_engine", "own_engine", "mixed_index", "squad_index"}
)


# Fixtures that need PostgreSQL: a test using one is marked ``postgres`` here.
POSTGRES_FIXTURES = frozenset({"postgres_server", "pg_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)
        if POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(autouse=True)
def model_needs_its_marker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test without the ``model`` marker cannot load a model: the fast loop stays fast."""
    if request.node.get_closest_marker("model") is not None:
        return

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{request.node.nodeid} loads a model: mark it @pytest.mark.model")

    monkeypatch.setattr("index.embedding.load_embedder", refuse)
    monkeypatch.setattr("bot.answering.engine.load_embedder", refuse)
    # Without the marker the cross-encoder stays off even when the shell turns it on
    # (DOCBOT_CROSS_ENCODER_DEPTH, _SENTENCES), and loading it anyway fails like a model.
    monkeypatch.setenv("DOCBOT_CROSS_ENCODER_DEPTH", "0")
    monkeypatch.setenv("DOCBOT_CROSS_ENCODER_SENTENCES", "0")
    monkeypatch.setattr("index.cross_encoder.shared", refuse)
    monkeypatch.setattr("index.cross_encoder.load", refuse)
    monkeypatch.setattr("benchmarks.bge.load", refuse)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder() -> Any:
    """all-MiniLM-L6-v2 from the bundled package, one torch thread, loaded once per session."""
    from index.embedding import load_embedder

    return load_embedder(None, threads=1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL with pgvector: DOCBOT_TEST_POSTGRES_URL, else `scripts/postgres
    start` (stopped after the session when it started it); skips when there is none (fails
    under CI=true)."""
    with test_server() as url:
        yield url


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database of that server for one test."""
    with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "documents"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def seed_documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped documents/ folder."""
    folder = tmp_path_factory.mktemp("seed") / "documents"
    shutil.copytree(DOCUMENTS, folder)
    return folder


@pytest.fixture(scope="session")
def seed_index(
    seed_documents: Path, real_embedder: Any, tmp_path_factory: pytest.TempPathFactory
) -> Index:
    """The shipped documents, indexed with the real model (read-only for tests)."""
    return built_index(seed_documents, real_embedder, tmp_path_factory.mktemp("seed-index"))


@pytest.fixture(scope="session")
def seed_engine(real_embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """One engine over a copy of the shipped documents, shared by the read-only tests."""
    return engine_over_documents(tmp_path_factory.mktemp("bot-seed"), real_embedder)


@pytest.fixture
def own_engine(real_embedder: Any, tmp_path: Path) -> Engine:
    """An engine over its own copy of the documents (for tests that change them)."""
    return engine_over_documents(tmp_path, real_embedder)


@pytest.fixture(scope="session")
def mixed_documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed plus ~300 BBC articles (those bbc_dev names among them), as bbc/<topic>/<file>."""
    return mixed_collection(tmp_path_factory.mktemp("mixed") / "documents")


@pytest.fixture(scope="session")
def mixed_index(
    mixed_documents: Path, real_embedder: Any, tmp_path_factory: pytest.TempPathFactory
) -> Index:
    """The mixed collection indexed with the real model (about a minute; read-only for tests)."""
    return built_index(mixed_documents, real_embedder, tmp_path_factory.mktemp("mixed-index"))


@pytest.fixture(scope="session")
def squad_index(real_embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The six SQuAD 2.0 Wikipedia articles of ../shared, indexed with the real model."""
    documents = shared_path("corpora", "squad2-dev6", "documents")
    return built_index(documents, real_embedder, tmp_path_factory.mktemp("squad-index"))


@pytest.fixture
def fake_bot_api() -> Iterator[FakeBotAPI]:
    """A running fake Bot API with a random token; at teardown, every text the bot sent must
    have been valid Telegram HTML (or plain text) within 4096 characters."""
    with running_fake_api() as api:
        yield api
