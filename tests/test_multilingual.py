"""The multilingual space (index.multilingual): Russian and Kazakh questions over the shipped
English article and over a Russian document, with the real models."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support.bots import USER, RunningBot, bot_settings, settle, texts
from support.engines import settings_for
from support.fakebotapi import FakeBotAPI
from support.paths import DOCUMENTS

from bot.answering.engine import Engine
from bot.telegram.catalogue import text
from bot.telegram.replies import HELP, NOT_FOUND, SOURCES
from index import multilingual
from index.retriever import Index

pytestmark = pytest.mark.model

# A Russian document written for this test (its facts are made up).
RUSSIAN = (
    "Научный совет города Кызылжар был основан в 1987 году. Его первым председателем стала "
    "профессор Айгерим Сатпаева. Совет ежегодно присуждает премию молодым исследователям.\n"
)


@pytest.fixture(scope="module")
def engine(real_embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    root = tmp_path_factory.mktemp("multilingual")
    shutil.copytree(DOCUMENTS, root / "documents")
    (root / "documents" / "sovet.txt").write_text(RUSSIAN, encoding="utf-8")
    settings = settings_for(root / "documents", root / "index", multilingual=True)
    built = Engine(settings, embedder=real_embedder)
    built.reindex()
    return built


def test_the_build_keeps_a_multilingual_space_with_its_languages(engine: Engine) -> None:
    index = engine.index()
    entry = index.manifest[multilingual.SPACE]
    assert entry["languages"]["ru"] == 1 and entry["languages"]["en"] >= 3
    assert len(index.parts.spaces[multilingual.SPACE].vectors) == len(index)
    assert index.for_question("Кто основал совет?").space == multilingual.SPACE


def test_the_cross_encoder_stays_out_of_the_multilingual_space(engine: Engine) -> None:
    index = engine.index()
    reading = Index(index.parts, index.embedder, replace(index.settings, cross_encoder_sentences=8))
    assert reading.reads_again  # as DOCBOT_CROSS_ENCODER_SENTENCES=8 loads it
    assert not reading.view(multilingual.SPACE).reads_again  # it reads English only


def test_a_russian_question_finds_the_english_answer(engine: Engine) -> None:
    answer = engine.ask("Кто руководит региональными комиссиями?")
    assert answer.found
    assert "Akims" in answer.text
    assert answer.citations[0].source.startswith("kazakhstan")


def test_a_kazakh_question_finds_the_english_answer(engine: Engine) -> None:
    answer = engine.ask("Облыстық комиссияларды кім басқарады?")
    assert answer.found and "Akims" in answer.text


def test_a_russian_question_is_answered_by_the_russian_sentence(engine: Engine) -> None:
    answer = engine.ask("В каком году был основан научный совет?")
    assert answer.found and "1987" in answer.text
    assert answer.citations[0].source == "sovet.txt"


def test_an_english_question_finds_the_russian_document(engine: Engine) -> None:
    answer = engine.ask("Who was the first chair of the science council?")
    assert answer.found and "Сатпаева" in answer.text


def test_a_russian_question_the_documents_do_not_answer_is_refused(engine: Engine) -> None:
    assert not engine.ask("Кто выиграл чемпионат мира по футболу в 2018 году?").found


def test_an_unchanged_folder_embeds_nothing_again(engine: Engine) -> None:
    report = engine.reindex()
    assert report.embedded == 0 and report.multilingual_embedded == 0


def test_english_only_collections_keep_the_english_space(
    real_embedder: Any, tmp_path: Path
) -> None:
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    settings = settings_for(tmp_path / "documents", tmp_path / "index", multilingual=True)
    built = Engine(settings, embedder=real_embedder)
    built.reindex()
    index = built.index()
    assert index.for_question("Who manages regional commissions?") is index
    assert index.for_question("Кто руководит региональными комиссиями?").space


@pytest.mark.postgres
def test_postgresql_keeps_the_multilingual_space(
    pg_url: str, real_embedder: Any, tmp_path: Path
) -> None:
    shutil.copytree(DOCUMENTS, tmp_path / "documents")
    (tmp_path / "documents" / "sovet.txt").write_text(RUSSIAN, encoding="utf-8")
    settings = settings_for(
        tmp_path / "documents", tmp_path / "unused", store=pg_url, multilingual=True
    )
    worker = Engine(settings, embedder=real_embedder)
    first = worker.reindex()
    assert first.multilingual_embedded == len(worker.index())
    answer = worker.ask("Кто руководит региональными комиссиями?")
    assert answer.found and "Akims" in answer.text
    answer = worker.ask("В каком году был основан научный совет?")
    assert answer.found and "1987" in answer.text
    again = worker.reindex()
    assert again.embedded == 0 and again.multilingual_embedded == 0


def test_a_russian_speaking_user_gets_russian_help_and_a_russian_quote(
    fake_bot_api: FakeBotAPI, engine: Engine, tmp_path: Path
) -> None:
    api = fake_bot_api
    api.languages[USER] = "ru"
    settings = bot_settings(api, engine, tmp_path, multilingual=True, watch=False)
    with RunningBot(settings, engine, api):
        for n, said in enumerate(
            (
                "/help",
                "В каком году был основан научный совет?",
                "Кто руководит региональными комиссиями?",
                "Кто выиграл чемпионат мира по футболу в 2018 году?",
            ),
            1,
        ):
            api.private_text(USER, said)
            api.wait_sent(USER, n, 60)
        help_, council, commissions, refusal = texts(api.wait_sent(USER, 4))
        settle(api)
    assert help_ == text("ru", HELP)
    assert "основан в 1987 году" in council and "sovet.txt" in council  # quoted as written
    assert "Akims" in commissions  # the English article, quoted as it is
    assert text("ru", SOURCES) in council
    assert refusal.startswith(text("ru", NOT_FOUND))
