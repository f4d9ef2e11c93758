"""Index integrity (issue 15): every file of a build, damaged on disk, is refused on load, never
reused by the next build, and named by `docbot index --verify` (fake embedder: fast)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from support.documents import ARTICLES as THREE_ARTICLES
from support.documents import write_documents
from support.engines import built_index
from support.fakes import FakeEmbedder

import bot.cli.commands
from bot.answering.engine import Engine
from bot.cli.main import main
from bot.cli.render import note
from bot.settings import Settings
from index import build, disk, integrity, load
from index.errors import IndexCorruptError
from index.retriever import Index
from index.settings import IndexSettings

# The copy of cats.txt makes dropped.jsonl non-empty.
ARTICLES = {**THREE_ARTICLES, "zz-copy.txt": THREE_ARTICLES["cats.txt"]}
# Every file a build writes; test_a_build_records_every_file_it_writes keeps this list honest.
BUILD_FILES = [
    "manifest.json",
    "chunks.jsonl",
    "dropped.jsonl",
    "vectors.npy",
    "dense.faiss",
    "units.npy",
    "unit_offsets.npy",
    "sparse/data.csc.index.npy",
    "sparse/indices.csc.index.npy",
    "sparse/indptr.csc.index.npy",
    "sparse/params.index.json",
    "sparse/vocab.index.json",
]
REBUILT_FROM_CHUNKS = {name for name in BUILD_FILES if name.startswith(("dense", "sparse/"))}


def flip(path: Path) -> None:
    """Change 16 bytes in the middle of the file (bit rot: same size, other bytes)."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(max(0, middle - 8), min(len(data), middle + 8)):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    """Cut the file to half its size (a copy that stopped early)."""
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


DAMAGE: dict[str, Callable[[Path], None]] = {"flip": flip, "truncate": truncate}


def _sound(result: integrity.Verification) -> bool:
    """Every file of the build recorded, and none damaged."""
    return result.recorded and not result.problems


@pytest.fixture
def documents(docs_dir: Path) -> Path:
    return write_documents(docs_dir, ARTICLES)


@pytest.fixture
def root(documents: Path, tmp_path: Path) -> Path:
    """A sound index of ``documents`` at ``tmp_path/ix/index`` (the layout `docbot` uses)."""
    root = tmp_path / "ix" / "index"
    build(documents, root, FakeEmbedder())
    return root


@pytest.fixture
def cli(
    documents: Path,
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., tuple[int, str, str]]:
    """`docbot ARGS` on ``documents`` and ``root`` with the fake embedder: (exit, out, err)."""
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(documents))
    monkeypatch.setenv("DOCBOT_INDEX_DIR", str(root))
    monkeypatch.delenv("DOCBOT_VERIFY_INDEX", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(root.parent)  # no .env of the checkout
    embedder = FakeEmbedder()
    monkeypatch.setattr(
        bot.cli.commands,
        "make_engine",
        lambda settings: Engine(settings, embedder, note=note),
    )

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture(
    params=[(name, how) for name in BUILD_FILES for how in DAMAGE], ids="{0[0]}-{0[1]}".format
)
def damaged(request: pytest.FixtureRequest, root: Path) -> str:
    """Each file of the build in turn, flipped or truncated; returns its name."""
    name, how = request.param
    DAMAGE[how](disk.current(root) / name)
    return str(name)


def _snapshot(root: Path) -> dict[str, bytes]:
    folder = disk.current(root)
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _top_sources(index: Index) -> list[str]:
    return [hit.chunk.source for hit in index.search(["cats sleep at night"], k=3)[0]]


def test_a_build_records_every_file_it_writes(root: Path) -> None:
    folder = disk.current(root)
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert written == set(BUILD_FILES)
    manifest = disk.read_manifest(folder)
    assert set(manifest[disk.FILES_KEY]) == set(BUILD_FILES) - {disk.MANIFEST}
    for name, info in manifest[disk.FILES_KEY].items():
        assert info["size"] == (folder / name).stat().st_size > 0
        assert info["blake2b"] == integrity.digest_file(folder / name)
    assert _sound(integrity.check(folder, manifest))


def test_ask_refuses_a_damaged_file_and_names_it(
    root: Path,
    cli: Callable[..., tuple[int, str, str]],
    damaged: str,
) -> None:
    code, out, err = cli("ask", "Do cats sleep?")
    assert code == IndexCorruptError.exit_code == 1 and out == ""
    [line] = err.strip().splitlines()
    assert damaged in line and "run `docbot index --full`" in line
    with pytest.raises(IndexCorruptError, match=damaged.replace(".", r"\.")):
        load(root, FakeEmbedder())


def test_index_never_reuses_a_damaged_file(
    documents: Path, root: Path, damaged: str, tmp_path: Path
) -> None:
    expected = _top_sources(built_index(documents, FakeEmbedder(), tmp_path / "sound"))
    embedder = FakeEmbedder()
    report = build(documents, root, embedder)
    [note] = report.notes
    assert damaged in note
    if damaged in REBUILT_FROM_CHUNKS:  # the vectors are sound: reused, FAISS and BM25 rewritten
        assert report.reused == report.chunks and "rebuilding FAISS and BM25" in note
    else:
        assert report.reused == 0 and report.embedded == report.chunks
    assert _sound(integrity.verify_current(root))
    assert _top_sources(load(root, embedder)) == expected
    assert build(documents, root, embedder).notes == []


def test_verify_names_the_damaged_file_and_changes_nothing(
    root: Path,
    cli: Callable[..., tuple[int, str, str]],
    damaged: str,
) -> None:
    before, target = _snapshot(root), disk.current(root)
    code, out, err = cli("index", "--verify")
    assert code == 1
    assert damaged in out + err and "docbot index --full" in err
    assert _snapshot(root) == before and disk.current(root) == target


def test_verify_a_sound_index_exits_0(root: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, err = cli("index", "--verify")
    assert (code, err) == (0, "")
    assert out.startswith(f"The index at {disk.current(root)} is sound: 11 files")


def test_verify_without_an_index_says_to_build_one(
    tmp_path: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    code, out, err = cli("index", "--verify", "--index", str(tmp_path / "none"))
    assert code == 1 and out == "" and "run `docbot index`" in err


@pytest.mark.parametrize("name", ["manifest.json", "vectors.npy", "sparse/vocab.index.json"])
def test_a_missing_file_is_an_unreadable_index(documents: Path, root: Path, name: str) -> None:
    (disk.current(root) / name).unlink()
    assert disk.exists(root)  # not "no index": `ask` must not quietly build a new one
    with pytest.raises(IndexCorruptError, match=name.replace(".", r"\.")):
        load(root, FakeEmbedder())
    report = build(documents, root, FakeEmbedder())
    assert name in report.notes[0]
    assert _sound(integrity.verify_current(root))


def test_a_manifest_edited_behind_the_builds_back_is_refused(documents: Path, root: Path) -> None:
    path = disk.current(root) / disk.MANIFEST
    text = path.read_text()
    assert '"chunks": 3,' in text
    path.write_text(text.replace('"chunks": 3,', '"chunks": 2,'))  # valid JSON, wrong content
    with pytest.raises(IndexCorruptError, match=r"manifest\.json does not match its checksum"):
        load(root, FakeEmbedder())
    report = build(documents, root, FakeEmbedder())
    assert report.reused == 0 and "manifest.json does not match" in report.notes[0]


def test_size_mode_checks_sizes_only(root: Path) -> None:
    sizes_only = IndexSettings(verify="size")
    flip(disk.current(root) / disk.VECTORS)
    assert len(load(root, FakeEmbedder(), sizes_only)) == 3  # same size: not read, not caught
    with pytest.raises(IndexCorruptError, match="checksum"):
        load(root, FakeEmbedder())
    truncate(disk.current(root) / disk.CHUNKS)
    with pytest.raises(IndexCorruptError, match=r"chunks\.jsonl"):
        load(root, FakeEmbedder(), sizes_only)


def test_the_setting_reaches_the_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCBOT_VERIFY_INDEX", raising=False)
    assert Settings(_env_file=None).index_settings().verify == "full"
    monkeypatch.setenv("DOCBOT_VERIFY_INDEX", "size")
    assert Settings(_env_file=None).index_settings().verify == "size"
    monkeypatch.setenv("DOCBOT_VERIFY_INDEX", "none")
    with pytest.raises(ValueError, match="verify_index"):
        Settings(_env_file=None)


def _strip_checksums(root: Path) -> None:
    """Make the current build look like one written before this change."""
    path = disk.current(root) / disk.MANIFEST
    manifest = json.loads(path.read_text())
    del manifest[disk.FILES_KEY], manifest[disk.SEAL_KEY]
    disk.write_json(path, manifest)


def test_an_index_without_checksums_still_loads_with_one_note(
    documents: Path,
    root: Path,
    cli: Callable[..., tuple[int, str, str]],
) -> None:
    _strip_checksums(root)
    assert load(root, FakeEmbedder()).notes == (
        integrity.LEGACY_NOTE.format(folder=disk.current(root)),
    )

    code, out, err = cli("ask", "Do cats sleep?", "Do dogs bark?")
    assert code == 0 and out.count("? ") == 2
    [note] = err.strip().splitlines()
    assert note.startswith("docbot: note: ") and "run `docbot index --full`" in note

    code, out, err = cli("index", "--verify")
    assert code == 1 and "no checksums" in err

    report = build(documents, root, FakeEmbedder())  # reused unchecked, and said so
    assert report.reused == report.chunks and "no checksums" in report.notes[0]
    assert _sound(integrity.verify_current(root))
    assert load(root, FakeEmbedder()).notes == ()


def test_running_bot_keeps_its_index_and_logs_the_refusal_of_a_damaged_one(
    documents: Path, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(_env_file=None, documents_dir=documents, index_dir=root)
    engine = Engine(settings, FakeEmbedder())
    old = engine.index()
    (documents / "birds.txt").write_text("Birds sing at dawn. Parrots can talk.")
    build(documents, root, FakeEmbedder())
    flip(disk.current(root) / disk.UNITS)
    with caplog.at_level(logging.ERROR, logger="docbot.engine"):
        for _ in range(3):
            assert engine.ask("Do cats sleep?").found
            assert engine.index() is old
    [record] = caplog.records
    assert "refusing the new index" in record.message and "units.npy" in record.message
    assert str(old.folder) in record.message

    build(documents, root, FakeEmbedder())  # the next sound build is picked up
    assert engine.index() is not old and len(engine.index()) == 4
