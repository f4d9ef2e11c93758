"""`docbot index` and `docbot search` through the real CLI entry point and the real model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.paths import DOCUMENTS, SEED_NAME

from bot.cli.main import main
from index import disk
from index.reasons import UNSUPPORTED

pytestmark = pytest.mark.model  # the real CLI loads the real model


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("DOCBOT_DOCUMENTS_DIR", "DOCBOT_INDEX_DIR", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    return tmp_path


def test_index_summary_then_incremental_rerun(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "documents" / "clip.mp4").write_bytes(b"\x00\x00")
    assert main(["index"]) == 0
    out = capsys.readouterr().out
    assert "1 added, 0 changed, 0 removed, 1 skipped" in out
    assert "skipped clip.mp4: unsupported file type (.mp4)" in out
    assert (workdir / ".docbot" / "index").is_symlink()  # default DOCBOT_INDEX_DIR

    (workdir / "documents" / "note.md").write_text("Docbot notes. The index updates itself.")
    assert main(["index", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["added"] == ["note.md"] and report["unchanged"] == 1
    read = {f["source"]: (f["read"], f["passages"]) for f in report["files"]}
    assert read["note.md"] == (True, 1) and read[SEED_NAME][0] is False
    assert report["embedded"] == 1 and report["reused"] == report["chunks"] - 1
    [skipped] = report["skipped"]  # the English reason, and its template for other languages
    assert skipped["source"] == "clip.mp4" and skipped["reason"].startswith("unsupported file")
    assert skipped["template"] == UNSUPPORTED and skipped["fields"]["kind"] == ".mp4"
    assert main(["index", "--full", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["embedded"] == report["chunks"]


def test_index_failures_are_one_line_and_non_zero(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = workdir / "empty"
    empty.mkdir()
    assert main(["index", "--documents", str(empty)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"docbot: No documents to index in {empty}: add .txt, .md, .pdf or .html files there"
    ]

    assert main(["index", "--documents", str(workdir / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err

    with disk.build_lock(workdir / ".docbot" / "index"):
        assert main(["index"]) == 3
    assert "Another `docbot index` is running" in capsys.readouterr().err


def test_search_json_builds_first_and_reports_each_query(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = ["who manages regional commissions?", "Who reported the story?"]
    assert main(["search", "--json", "-k", "2", *questions]) == 0
    captured = capsys.readouterr()
    assert "No index at .docbot/index yet: building it" in captured.err
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["query"] for line in lines] == questions
    for line in lines:
        assert set(line) == {"query", "hits"}
        assert [h["rank"] for h in line["hits"]] == [1, 2]
        for hit in line["hits"]:
            assert set(hit) == {"rank", "source", "title", "location", "text", "score"}
            assert hit["source"] == SEED_NAME
            assert (
                hit["title"]
                == "kazakhstan national security commission counter terrorism 2011 2012"
            )
            assert hit["location"].startswith("paragraph")
            assert hit["text"] in (workdir / "documents" / SEED_NAME).read_text()
            assert isinstance(hit["score"], float)
    assert "Akims" in lines[0]["hits"][0]["text"]
    assert "Tengrinews" in lines[1]["hits"][0]["text"]

    assert main(["search", "who manages regional commissions?"]) == 0
    plain = capsys.readouterr().out
    assert plain.startswith("? who manages regional commissions?")
    assert f"1. [1.000] {SEED_NAME}, paragraph" in plain


def test_search_refuses_an_index_built_with_another_model(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["index"]) == 0
    manifest_path = disk.current(workdir / ".docbot" / "index") / disk.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["model"] = "someone/else"
    manifest_path.write_text(json.dumps(disk.seal(manifest)))  # as if built with that model
    capsys.readouterr()
    assert main(["search", "anything"]) == 1
    err = capsys.readouterr().err
    assert "built with model 'someone/else'" in err and "docbot index --full" in err
