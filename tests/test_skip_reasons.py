"""Why a file was skipped, in the reader's language (issue 24): each reason's template of
index/reasons.py with named fields only, the English sentence kept as before (the CLI, the log,
``docbot index --json``), the template and fields kept beside it in the manifest, and the bot
saying it in the admin's language (the fake Bot API and the fake embedder, so no model); a
manifest written before templates (or a reason only known as text) still reads in English."""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.bots import ADMIN, RunningBot, bot_settings, texts, visible
from support.documents import ARTICLES, write_documents
from support.engines import settings_for
from support.fakebotapi import FakeBotAPI
from support.fakes import FakeEmbedder

from bot.answering.engine import Engine
from bot.telegram.catalogue import text
from bot.telegram.replies import DOCUMENTS_SKIPPED, NOT_KEPT, UPLOAD_REJECTED
from bot.telegram.skip_reasons import skip_reason
from index import reasons
from index.documents import SkipFile
from index.loading import SUPPORTED, Skipped, scan

SUPPORTED_LIST = " ".join(SUPPORTED)


@pytest.mark.parametrize("template", reasons.templates())
def test_a_template_has_named_fields_and_no_literal_braces(template: str) -> None:
    for literal, name, _, _ in string.Formatter().parse(template):
        assert "{" not in literal and "}" not in literal, template
        assert name is None or name.isidentifier(), template


def test_a_skip_keeps_its_english_sentence_and_its_template() -> None:
    skip = SkipFile(reasons.TOO_MANY_MEMBERS, members=5000, limit=4000)
    assert str(skip) == "an archive of 5,000 members (the limit is 4,000)"
    kept = Skipped.of("book.epub", skip).to_json()
    assert kept == {
        "source": "book.epub",
        "reason": "an archive of 5,000 members (the limit is 4,000)",
        "template": reasons.TOO_MANY_MEMBERS,
        "fields": {"members": 5000, "limit": 4000},
    }
    said = SkipFile.said("not a readable image (UnidentifiedImageError)")  # a library's words
    assert (str(said), said.template) == ("not a readable image (UnidentifiedImageError)", "")
    assert Skipped.of("x.png", said).to_json() == {"source": "x.png", "reason": str(said)}


def test_the_folder_s_reasons_read_as_before(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "tool.exe").write_bytes(b"MZ")
    (docs / "README").write_text("no extension")
    (docs / "empty.txt").write_text("")
    _, skipped = scan(docs)
    said = {s.source: (s.reason, s.template) for s in skipped}
    assert said == {
        "README": (
            f"unsupported file type (no extension); supported: {SUPPORTED_LIST}",
            reasons.UNSUPPORTED_NO_EXTENSION,
        ),
        "empty.txt": ("empty", reasons.EMPTY),
        "tool.exe": (
            f"unsupported file type (.exe); supported: {SUPPORTED_LIST}",
            reasons.UNSUPPORTED,
        ),
    }


def test_a_reason_in_the_reader_s_language_else_its_english() -> None:
    kept = Skipped.of("scan.png", SkipFile(reasons.IMAGE_OCR_FAILED, problem="tesseract: gone"))
    entry = kept.to_json()
    assert skip_reason(entry, "ru") == "изображение: не прочитано: tesseract: gone"
    assert skip_reason(entry, "kk") == "сурет: оқылмады: tesseract: gone"
    assert skip_reason(entry, "en") == "an image: not read: tesseract: gone"
    old = {"source": "scan.png", "reason": "an image: not read: tesseract: gone"}
    assert skip_reason(old, "ru") == old["reason"]  # a manifest from before templates
    misfit = {**entry, "fields": {"other": 1}}  # a template whose fields no longer fit
    assert skip_reason(misfit, "ru") == old["reason"]


@pytest.fixture
def bot(fake_bot_api: FakeBotAPI, tmp_path: Path) -> Iterator[RunningBot]:
    """The bot over a built index of three articles and a skipped program, to a Russian
    admin."""
    docs = write_documents(tmp_path / "documents", ARTICLES)
    (docs / "tool.exe").write_bytes(b"MZ\x00\x00")
    built = Engine(settings_for(docs, tmp_path / "index"), embedder=FakeEmbedder())
    built.reindex()
    fake_bot_api.languages[ADMIN] = "ru"
    with RunningBot(bot_settings(fake_bot_api, built, tmp_path), built, fake_bot_api) as running:
        yield running


def test_a_russian_admin_reads_why_in_russian(fake_bot_api: FakeBotAPI, bot: RunningBot) -> None:
    api = fake_bot_api
    api.private_text(ADMIN, "/documents")
    listing = texts(api.wait_sent(ADMIN, 1))[0]
    heading = visible(text("ru", DOCUMENTS_SKIPPED))
    russian = text("ru", reasons.UNSUPPORTED, kind=".exe", supported=SUPPORTED_LIST)
    assert f"{heading}\n• tool.exe: {russian}" in listing
    assert russian.startswith("неподдерживаемый тип файла (.exe)")
    api.private_document(ADMIN, "broken.pdf", b"%PDF-1.4\nhalf a file")  # skipped by the build
    broken = texts(api.wait_sent(ADMIN, 2))[1]
    start = text("ru", NOT_KEPT, name="broken.pdf", reason="@").split("@")[0]
    assert broken.startswith(start + "нечитаемый PDF (")
    api.private_document(ADMIN, "tool.txt", b"MZ\x00\x00")  # refused on arrival
    refused = texts(api.wait_sent(ADMIN, 3))[2]
    reason = "не текстовый файл (двоичное содержимое)"
    assert refused == text("ru", UPLOAD_REJECTED, name="'tool.txt'", reason=reason)
    # a manifest written before templates: the stored English reason
    for entry in bot.engine.index().manifest["skipped"]:
        entry.pop("template", None)
        entry.pop("fields", None)
    api.private_text(ADMIN, "/documents")
    listing = texts(api.wait_sent(ADMIN, 4))[3]
    assert "• tool.exe: unsupported file type (.exe); supported: " in listing
