"""Incremental, atomic index builds (fake embedder: fast and deterministic)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from support.documents import ARTICLES, write_documents
from support.fakes import FakeEmbedder
from support.paths import ROOT

from index import build, disk, load
from index.errors import (
    IndexIncompatibleError,
    IndexLockedError,
    IndexWriteError,
    NoDocumentsError,
    NoIndexError,
)
from index.settings import ChunkerSettings, IndexSettings


def _sources(root: Path, embedder: FakeEmbedder, query: str, k: int = 10) -> list[str]:
    [hits] = load(root, embedder).search([query], k=k)
    return [h.chunk.source for h in hits]


def test_first_build_then_incremental_add_change_delete(docs_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "ix" / "index"
    emb = FakeEmbedder()
    write_documents(docs_dir, ARTICLES)
    first = build(docs_dir, root, emb)
    assert sorted(first.added) == sorted(ARTICLES)
    assert first.embedded == first.chunks == 3 and first.reused == 0

    again = build(docs_dir, root, emb)
    assert (again.added, again.changed, again.removed) == ([], [], [])
    assert again.unchanged == 3 and again.embedded == 0 and again.reused == 3
    assert again.units_embedded == 0

    write_documents(docs_dir, {"birds.txt": "Birds sing at dawn. Parrots can talk."})
    write_documents(docs_dir, {"cats.txt": ARTICLES["cats.txt"] + " Kittens drink milk."})
    (docs_dir / "dogs.md").unlink()
    before = emb.texts_encoded
    third = build(docs_dir, root, emb)
    assert third.added == ["birds.txt"]
    assert third.changed == ["cats.txt"]
    assert third.removed == ["dogs.md"]
    assert third.embedded == 2  # the new file and the changed chunk; rain.txt reused
    # Answer units (sentences, joined to a predecessor they lean on) of those two chunks only:
    # birds 2 + cats 4 ("Kittens drink milk." is too short to stand alone).
    assert third.units_embedded == 6
    assert emb.texts_encoded - before == third.embedded + third.units_embedded
    assert third.reused == 1
    assert "dogs.md" not in _sources(root, emb, "dogs bark walks park tail")
    assert "birds.txt" in _sources(root, emb, "parrots talk")

    full = build(docs_dir, root, emb, full=True)
    assert full.embedded == full.chunks == 3 and full.full


HEADLINED = "Cats at home\n\n" + ARTICLES["cats.txt"]  # its title comes from its text


def test_renamed_file_reuses_its_vectors_unless_its_name_is_its_title(
    docs_dir: Path, tmp_path: Path
) -> None:
    root = tmp_path / "index"
    emb = FakeEmbedder()
    write_documents(docs_dir, {**ARTICLES, "cats.txt": HEADLINED})
    build(docs_dir, root, emb)
    (docs_dir / "cats.txt").rename(docs_dir / "felines.txt")
    report = build(docs_dir, root, emb)
    assert report.added == ["felines.txt"] and report.removed == ["cats.txt"]
    assert report.embedded == 0  # same title, same text: same vectors
    (docs_dir / "news" / "rain.txt").rename(docs_dir / "news" / "storm.txt")
    report = build(docs_dir, root, emb)
    assert report.embedded == 1  # titled by its file name ("rain" -> "storm"): searched anew


def test_index_folder_has_manifest_and_plain_files(docs_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    write_documents(docs_dir, ARTICLES)
    (docs_dir / "junk.bin").write_bytes(b"\x00")
    build(docs_dir, root, FakeEmbedder())
    folder = disk.current(root)
    assert root.is_symlink()
    names = {p.name for p in folder.iterdir()}
    assert {
        "manifest.json",
        "chunks.jsonl",
        "dropped.jsonl",
        "vectors.npy",
        "dense.faiss",
        "sparse",
        "units.npy",
        "unit_offsets.npy",
    } <= names
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format_version"] == disk.FORMAT_VERSION
    assert manifest["model"] == "fake-hashing-64" and manifest["dimension"] == 64
    assert manifest["chunker"] == ChunkerSettings().as_dict()
    assert set(manifest["files"]) == set(ARTICLES)
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())
    assert manifest["counts"] == {
        "files": 3,
        "chunks": 3,
        "duplicates": 0,
        "skipped": 1,
        "units": 9,
    }
    assert manifest["skipped"][0]["source"] == "junk.bin"
    assert manifest["built_at"]
    assert np.load(folder / "vectors.npy").shape == (3, 64)
    assert np.load(folder / "units.npy").shape == (9, 64)
    assert list(np.load(folder / "unit_offsets.npy")) == [0, 3, 6, 9]


def test_duplicates_across_files_are_dropped_and_come_back(docs_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    emb = FakeEmbedder()
    write_documents(docs_dir, {**ARTICLES, "cats.txt": HEADLINED, "zz-copy.txt": HEADLINED})
    report = build(docs_dir, root, emb)
    assert report.duplicates == 1 and report.chunks == 3
    assert _sources(root, emb, "cats sleep mice purrs").count("zz-copy.txt") == 0
    (docs_dir / "cats.txt").unlink()
    report = build(docs_dir, root, emb)
    assert report.duplicates == 0 and report.embedded == 0  # same text: vector reused
    assert "zz-copy.txt" in _sources(root, emb, "cats sleep mice purrs")


class OtherModel(FakeEmbedder):
    model_id = "another-model"


def test_new_document_readers_read_every_file_again_and_reuse_the_vectors(
    docs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that gives other text (index.loading.READERS_VERSION) must not leave a file's
    old text in the index because the file itself did not change."""
    root = tmp_path / "index"
    write_documents(docs_dir, ARTICLES)
    build(docs_dir, root, FakeEmbedder())
    assert build(docs_dir, root, FakeEmbedder()).unchanged == len(ARTICLES)
    monkeypatch.setattr("index.reuse.READERS_VERSION", 99)
    monkeypatch.setattr("index.builder.READERS_VERSION", 99)
    report = build(docs_dir, root, FakeEmbedder())
    assert any("readers changed" in n for n in report.notes)
    assert report.unchanged == 0 and report.embedded == 0  # read again; same text, same vectors
    assert build(docs_dir, root, FakeEmbedder()).unchanged == len(ARTICLES)


def test_loading_with_another_model_or_chunker_refuses(docs_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    write_documents(docs_dir, ARTICLES)
    build(docs_dir, root, FakeEmbedder())
    with pytest.raises(IndexIncompatibleError, match=r"docbot index --full") as err:
        load(root, OtherModel())
    assert "another-model" in str(err.value) and "fake-hashing-64" in str(err.value)
    other_chunker = IndexSettings(chunker=ChunkerSettings(max_words=50))
    with pytest.raises(IndexIncompatibleError, match="chunker"):
        load(root, FakeEmbedder(), other_chunker)
    # Updating with the new model re-embeds everything and says why.
    report = build(docs_dir, root, OtherModel())
    assert report.embedded == 3 and any("model changed" in n for n in report.notes)
    assert len(load(root, OtherModel())) == 3


def test_no_index_and_no_documents_are_clear_errors(docs_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(NoIndexError, match="run `docbot index`"):
        load(tmp_path / "index", FakeEmbedder())
    (docs_dir / "x.png").write_bytes(b"png")
    with pytest.raises(NoDocumentsError, match="1 file"):
        build(docs_dir, tmp_path / "index", FakeEmbedder())


def test_deleting_everything_keeps_the_previous_index(docs_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    write_documents(docs_dir, ARTICLES)
    build(docs_dir, root, FakeEmbedder())
    for name in ARTICLES:
        (docs_dir / name).unlink()
    with pytest.raises(NoDocumentsError):
        build(docs_dir, root, FakeEmbedder())
    assert len(load(root, FakeEmbedder())) == 3


class ExplodingEmbedder(FakeEmbedder):
    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        raise RuntimeError("model crashed")


def test_failed_build_leaves_previous_index_and_no_garbage(docs_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    write_documents(docs_dir, ARTICLES)
    build(docs_dir, root, FakeEmbedder())
    before = disk.current(root)
    write_documents(docs_dir, {"new.txt": "Brand new text to embed. It will fail."})
    with pytest.raises(RuntimeError, match="model crashed"):
        build(docs_dir, root, ExplodingEmbedder())
    assert disk.current(root) == before
    assert len(load(root, FakeEmbedder())) == 3
    assert not list(disk.builds_dir(root).glob("*.tmp"))


def test_second_build_refuses_while_the_lock_is_held(docs_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    write_documents(docs_dir, ARTICLES)
    with disk.build_lock(root), pytest.raises(IndexLockedError, match="wait for it"):
        build(docs_dir, root, FakeEmbedder())
    with disk.build_lock(root), pytest.raises(IndexLockedError):
        build(docs_dir, root, FakeEmbedder(), lock_wait=0.3)
    build(docs_dir, root, FakeEmbedder())  # the lock is free again


def test_disk_full_while_writing_is_a_clear_error_and_keeps_the_previous_index(
    docs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "index"
    write_documents(docs_dir, ARTICLES)
    build(docs_dir, root, FakeEmbedder())
    before = disk.current(root)
    write_documents(docs_dir, {"new.txt": "Another document. With two sentences."})

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", full_disk)
    with pytest.raises(IndexWriteError, match="No space left") as err:
        build(docs_dir, root, FakeEmbedder())
    assert "previous index is unchanged" in str(err.value)
    assert disk.current(root) == before
    assert not list(disk.builds_dir(root).glob("*.tmp"))


SLOW_BUILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from support.fakes import FakeEmbedder
    from index import build

    class Slow(FakeEmbedder):
        def encode(self, texts, progress=None):
            out = super().encode(texts, progress)
            time.sleep({delay})
            return out

    print("started", flush=True)
    build(Path({docs!r}), Path({root!r}), Slow())
    print("finished", flush=True)
    """
)


@pytest.mark.subprocess
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.3, 1.0])
def test_kill_9_during_a_build_leaves_the_previous_index(
    docs_dir: Path, tmp_path: Path, delay: float
) -> None:
    root = tmp_path / "index"
    write_documents(docs_dir, ARTICLES)
    build(docs_dir, root, FakeEmbedder())
    previous = disk.current(root)
    write_documents(
        docs_dir, {f"extra{i}.txt": f"Extra document number {i}. It has words." for i in range(30)}
    )
    script = SLOW_BUILD.format(
        tests=str(ROOT / "tests"), docs=str(docs_dir), root=str(root), delay=delay
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, env=env, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    time.sleep(0.05 + delay / 2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # Whatever the moment, the current index is complete and loadable: the old one or the new.
    index = load(root, FakeEmbedder())
    assert disk.current(root) in (previous, *disk.builds_dir(root).iterdir())
    assert len(index) in (3, 33)
    assert index.search(["cats sleep"], k=1)[0][0].chunk.source == "cats.txt"
    # And the next build cleans up after the killed one and succeeds.
    report = build(docs_dir, root, FakeEmbedder())
    assert report.chunks == 33
    assert not list(disk.builds_dir(root).glob("*.tmp"))


def test_bot_keeps_answering_from_an_old_index_object(docs_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    emb = FakeEmbedder()
    write_documents(docs_dir, ARTICLES)
    build(docs_dir, root, emb)
    old = load(root, emb)
    for i in range(3):  # older build folders are pruned while `old` is in use
        write_documents(docs_dir, {f"more{i}.txt": f"More text {i}. Different words here."})
        build(docs_dir, root, emb)
    assert old.search(["cats sleep"], k=1)[0][0].chunk.source == "cats.txt"
    assert len(load(root, emb)) == 6


def test_a_files_chunks_are_stored_together_in_reading_order(
    docs_dir: Path, tmp_path: Path
) -> None:
    sentences = [
        f"Sentence number {i} talks about topic {i} at some length here." for i in range(60)
    ]
    write_documents(docs_dir, {"long.txt": " ".join(sentences), **ARTICLES})
    build(docs_dir, tmp_path / "index", FakeEmbedder())
    index = load(tmp_path / "index", FakeEmbedder())
    rows = [i for i, c in enumerate(index.chunks) if c.source == "long.txt"]
    assert len(rows) >= 3 and rows == list(range(rows[0], rows[-1] + 1))
    first, second, third = (index.chunks[r] for r in rows[:3])
    assert first.start < second.start < third.start
    assert first.end > second.start  # windows overlap by a sentence


def test_passages_are_searched_with_their_documents_title(docs_dir: Path, tmp_path: Path) -> None:
    body = " ".join(
        f"Sentence {i} says something plain about the weather today." for i in range(40)
    )
    write_documents(docs_dir, {"zorblax-festival.txt": body, **ARTICLES})
    root, emb = tmp_path / "index", FakeEmbedder()
    build(docs_dir, root, emb)  # titles on by default
    index = load(root, emb)
    festival = [c for c in index.chunks if c.source == "zorblax-festival.txt"]
    assert len(festival) >= 3 and {c.title for c in festival} == {"zorblax festival"}
    assert index.manifest["titles"] is True
    [hits] = index.search(["zorblax"], k=len(index.chunks))
    assert {h.chunk.id for h in hits if h.sparse > 0} == {c.id for c in festival}

    report = build(docs_dir, root, emb, IndexSettings(titles=False))
    assert report.embedded == report.chunks  # what the model reads changed: all re-embedded
    plain = load(root, emb)
    [hits] = plain.search(["zorblax"], k=len(plain.chunks))
    assert all(h.sparse == 0 for h in hits) and plain.manifest["titles"] is False
