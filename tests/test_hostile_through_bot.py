"""Hostile documents seen through the bot (the index-level cases are in test_hostile_documents.py
and test_build.py): citations quoting them are valid Telegram HTML in answers and in the Sources
view, and a /reload whose build fails leaves the previous index serving."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from support.bots import (
    ADMIN,
    USER,
    RunningBot,
    bot_settings,
    button_data,
    last_with_buttons,
    settle,
    texts,
)
from support.fakebotapi import FakeBotAPI
from support.paths import DOCUMENTS

from bot.answering.engine import Engine
from bot.settings import Settings
from bot.telegram.replies import FAILED

pytestmark = pytest.mark.model

HOSTILE = {
    "mostly-utf8.txt": b"The caf\xe9 menu lists seven soups. Prices of the soups rose sharply.",
    "zero-width.md": (
        "Zero\u200bwidth\u200d joiners hide in pass\u200cwords.\x07 The bell\x1b[31m rang at "
        "the lighthouse.\u202e Keepers logged every ship.\n"
    ).encode(),
    "scripts.html": (
        "<html><body>"
        + "<script>stealCookies(); var x = '<p>fake</p>';</script>" * 200
        + "<p>The lighthouse keeper wrote that a &lt;storm&gt; &amp; gale hit the "
        "<b>harbour</b> on 3 May.</p><style>p{}</style></body></html>"
    ).encode(),
    "symbols.md": (
        b"# Operators <and> & ampersands\n\n"
        b"The grommet rule says a < b && c > d </blockquote> must hold; <i>unclosed tags stay "
        b'text. The flux value is "5 &lt; 7" &#0; &#x110000; *not markdown* [x](y) `z`.\n'
    ),
    "mixed-scripts.txt": (
        "Қазақстан астанасы Астана қаласы. Москва — столица России. שלום עולם. "
        "🚀 Emoji rockets launch from the harbour every spring.\n"
    ).encode(),
    "one-line.txt": ("the long line mentions quartz crystals " * 2000).encode(),
}

QUESTIONS = {
    "How many soups does the cafe menu list?": "mostly-utf8.txt",
    "What did the keepers log at the lighthouse?": "zero-width.md",
    "What hit the harbour on 3 May?": "scripts.html",
    "What does the grommet rule say?": "symbols.md",
    "What launches from the harbour every spring?": "mixed-scripts.txt",
    "What does the long line mention?": "one-line.txt",
}


class FailingBuilds:
    """The real embedder; while ``fail`` is set, encoding passages for a build fails (the model
    crashing in the middle of a re-index). Single-text encodes (questions) still work."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.fail = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def encode(self, texts: Any, progress: Any = None) -> Any:
        if self.fail and progress is not None:
            raise MemoryError("the model ran out of memory while embedding passages")
        return self.inner.encode(texts, progress) if progress else self.inner.encode(texts)

    def encode_spans(self, texts: Any, spans: Any, progress: Any = None) -> Any:
        if self.fail:  # a build: passages with their sentence spans
            raise MemoryError("the model ran out of memory while embedding passages")
        return self.inner.encode_spans(texts, spans, progress)


@pytest.fixture
def hostile_engine(real_embedder: Any, tmp_path: Path) -> tuple[Engine, FailingBuilds]:
    docs = tmp_path / "documents"
    docs.mkdir()
    for path in DOCUMENTS.iterdir():
        (docs / path.name).write_bytes(path.read_bytes())
    for name, data in HOSTILE.items():
        (docs / name).write_bytes(data)
    embedder = FailingBuilds(real_embedder)
    settings = Settings(
        _env_file=None,
        documents_dir=docs,
        index_dir=tmp_path / "index",
    )
    engine = Engine(settings, embedder=embedder)
    engine.reindex()
    return engine, embedder


def test_citations_of_hostile_documents_are_valid_html(
    fake_bot_api: FakeBotAPI, hostile_engine: tuple[Engine, FailingBuilds], tmp_path: Path
) -> None:
    api = fake_bot_api
    engine, _ = hostile_engine
    with RunningBot(bot_settings(api, engine, tmp_path), engine, api):
        for i, question in enumerate(QUESTIONS):
            api.private_text(7000 + i, question)
        for i in range(len(QUESTIONS)):
            api.wait_sent(7000 + i, timeout=60)
        for i in range(len(QUESTIONS)):  # open every Sources view too
            message = last_with_buttons(api, 7000 + i)
            if "Sources" in button_data(message):
                api.callback_query(7000 + i, message, button_data(message)["Sources"])
        settle(api)
    cited = []
    for i, (question, source) in enumerate(QUESTIONS.items()):
        calls = api.sent(7000 + i)
        accepted = [m for m in api.messages if m["chat"]["id"] == 7000 + i]
        assert len(calls) == len(accepted), (question, "Telegram refused a message")
        replies = texts(calls)
        assert FAILED not in replies
        if source in replies[0]:
            cited.append(source)
            assert len(replies) == 2 and source in replies[1]  # answer, then its Sources view
    # most of them are found and cited (the point is what the citations look like)
    assert len(cited) >= 4, cited
    everything = "".join(str(c.params.get("text")) for c in api.calls_to("sendMessage"))
    assert "stealCookies" not in everything and "\x07" not in everything
    assert "\u200b" not in everything and "\x1b" not in everything
    # the fixture's teardown checks every text against Telegram's HTML rules and 4096 limit


def test_failed_reload_keeps_the_previous_index_serving(
    fake_bot_api: FakeBotAPI, hostile_engine: tuple[Engine, FailingBuilds], tmp_path: Path
) -> None:
    api = fake_bot_api
    engine, embedder = hostile_engine
    settings = bot_settings(api, engine, tmp_path)
    before = os.path.realpath(settings.index_dir)
    (settings.documents_dir / "new.txt").write_text(
        "The Zorblax Harvest Festival was founded in 1987 by Marta Velikova.\n", encoding="utf-8"
    )
    with RunningBot(settings, engine, api):
        embedder.fail = True
        api.private_text(ADMIN, "/reload")
        failed = texts(api.wait_sent(ADMIN, timeout=60))[0]
        api.private_text(USER, "Who is the deputy chairman of the National Security Commission?")
        still = texts(api.wait_sent(USER, timeout=60))[0]
        assert os.path.realpath(settings.index_dir) == before
        embedder.fail = False
        api.private_text(ADMIN, "/reload")
        done = texts(api.wait_sent(ADMIN, 2, timeout=60))[1]
        api.private_text(USER, "Who founded the Zorblax Harvest Festival?")
        after = texts(api.wait_sent(USER, 2, timeout=60))[1]
    assert failed == FAILED  # the admin hears it failed; the details are in the log
    assert "Abdikazimov" in still  # the previous index kept answering
    assert "1 added" in done and os.path.realpath(settings.index_dir) != before
    assert "Velikova" in after
    leftovers = [p.name for p in (tmp_path / "index.builds").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
