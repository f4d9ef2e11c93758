"""Shared fixtures: every path under tmp_path; a tiny fake embedder for unit tests, the real
model (session-scoped) for evals; ../shared data that skips outside this workplace."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ROOT / "documents"
SHARED = Path(os.environ.get("DOCBOT_SHARED_DIR", ROOT.parent / "shared"))
SEED_NAME = "kazakhstan-national-security-commission-counter-terrorism-2011-2012.txt"


def shared_path(*parts: str) -> Path:
    """A path in ../shared; skips the test where it is missing, fails instead under CI=true."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: ../shared exists only in the docbot workplace"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def read_jsonl(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder: texts sharing words get similar vectors."""

    model_id = "fake-hashing-64"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts_encoded = 0

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little")
                out[i, h % self.dimension] += 1.0 if (h >> 16) & 1 else -1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        if progress:
            progress(len(texts))
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    """all-MiniLM-L6-v2 from the bundled package, one torch thread, loaded once per session."""
    from index.embedding import load_embedder

    return load_embedder(None, threads=1)


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


def built_index(documents: Path, embedder, folder: Path):  # type: ignore[no-untyped-def]
    """Build an index of ``documents`` under ``folder`` and load it."""
    from index import build, load

    build(documents, folder / "index", embedder)
    return load(folder / "index", embedder)


@pytest.fixture(scope="session")
def seed_index(seed_documents: Path, real_embedder, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The shipped documents, indexed with the real model (read-only for tests)."""
    return built_index(seed_documents, real_embedder, tmp_path_factory.mktemp("seed-index"))


BBC_SAMPLE_SIZE = 300


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


@pytest.fixture(scope="session")
def mixed_documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed plus ~300 BBC articles (those bbc_dev names among them), as bbc/<topic>/<file>."""
    corpus = shared_path("corpora", "bbc-news")
    folder = tmp_path_factory.mktemp("mixed") / "documents"
    shutil.copytree(DOCUMENTS, folder)
    for src in bbc_sample():
        dst = folder / "bbc" / src.relative_to(corpus)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return folder


@pytest.fixture(scope="session")
def mixed_index(mixed_documents: Path, real_embedder, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The mixed collection indexed with the real model (about a minute; read-only for tests)."""
    return built_index(mixed_documents, real_embedder, tmp_path_factory.mktemp("mixed-index"))
