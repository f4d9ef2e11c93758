"""Indexes and engines for tests: built under the test's own folders, never the checkout's."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bot.answering.engine import Engine
from bot.settings import Settings
from index import build, load
from index.retriever import Index

from .paths import DOCUMENTS, SHARED, read_jsonl, shared_path

BBC_SAMPLE_SIZE = 300


def settings_for(documents: Path, index: Path, **extra: Any) -> Settings:
    """Settings from these arguments and the defaults only (no .env, no DOCBOT_* of the shell
    beyond what pydantic-settings reads: tests that care clear those)."""
    return Settings(_env_file=None, documents_dir=documents, index_dir=index, **extra)


def built_index(documents: Path, embedder: Any, folder: Path) -> Index:
    """Build an index of ``documents`` under ``folder`` and load it with the bot's settings
    (the cross-encoder on, unless the test runs without the ``model`` marker)."""
    build(documents, folder / "index", embedder)
    return load(folder / "index", embedder, settings_for(documents, folder).index_settings())


def engine_for(index: Index, embedder: Any) -> Engine:
    """An engine answering from an index already built (its build folder)."""
    return Engine(settings_for(Path(index.folder), Path(index.folder)), embedder=embedder)


def engine_over_documents(root: Path, embedder: Any) -> Engine:
    """An engine over a copy of the shipped documents in ``root``, indexed and loaded."""
    shutil.copytree(DOCUMENTS, root / "documents")
    engine = Engine(settings_for(root / "documents", root / "index"), embedder=embedder)
    engine.reindex()
    engine.index()
    return engine


def bbc_sample(limit: int = BBC_SAMPLE_SIZE) -> list[Path]:
    """Every BBC file bbc_dev.jsonl names, plus a deterministic spread of the others."""
    corpus = shared_path("corpora", "bbc-news")
    named = {row["source"] for row in read_jsonl(shared_path("evals", "bbc_dev.jsonl"))}
    files = sorted(p for p in corpus.rglob("*.txt"))
    rel = [p.relative_to(corpus).as_posix() for p in files]
    chosen = [p for p, r in zip(files, rel, strict=True) if r in named]
    step = max(1, len(files) // limit)
    for p in files[::step]:
        if len(chosen) >= limit:
            break
        if p not in chosen:
            chosen.append(p)
    return chosen


def mixed_collection(folder: Path) -> Path:
    """The seed plus ~300 BBC articles (those bbc_dev names among them), as bbc/<topic>/<file>."""
    corpus = SHARED / "corpora" / "bbc-news"
    shutil.copytree(DOCUMENTS, folder)
    for src in bbc_sample():
        dst = folder / "bbc" / src.relative_to(corpus)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return folder
