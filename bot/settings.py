"""All settings, from the environment (prefix ``DOCBOT_``) or ``.env``. Built once at the entry
point and passed down; ``index/`` never reads them itself."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.ocr import cache_folder
from index.settings import ChunkerSettings, IndexSettings, OcrSettings, is_postgres_url

# The "not in the documents" threshold on an answer's score: 0.2 sits between the far off-topic
# maximum and the lowest must-answer score on the seed; how it was measured, and why big general
# collections want 0.4-0.5: benchmarks/RESULTS.md, "Answer threshold".
DEFAULT_MIN_SCORE = 0.2
DEFAULT_MULTILINGUAL_MIN_SCORE = 0.88  # calibrated on XQuAD: benchmarks/RESULTS.md, "Languages"
# How many of the top passages the cross-encoder reads again (index/cross_encoder.py) and
# reorders: off by default (8 passages cost ~7x an answer for +0.02 of the right passage first);
# benchmarks/RESULTS.md, "A cross-encoder reads the passages".
DEFAULT_CROSS_ENCODER_DEPTH = 0
# How many candidate sentences of an answer the same cross-encoder reads to choose the quote
# (bot/answering/choosing.py): over squad2_dev6 the reply holds a gold answer 0.858 instead of
# 0.814, for ~75 ms an answer on two threads; benchmarks/RESULTS.md, "The cross-encoder reads the
# sentences only".
DEFAULT_CROSS_ENCODER_SENTENCES = 8


def _id_list(value: object) -> list[int]:
    if value is None or value == "":
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
        try:
            return [int(p) for p in parts]
        except ValueError as exc:
            raise ValueError(f"expected comma-separated Telegram user ids, got {value!r}") from exc
    if isinstance(value, list | tuple | set):
        return [int(v) for v in value]
    raise ValueError(f"expected comma-separated Telegram user ids, got {value!r}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DOCBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- documents and index ---------------------------------------------------------------
    documents_dir: Path = Path("documents")
    index_dir: Path = Path(".docbot/index")
    # empty: the index folder above; postgresql://...: the index in PostgreSQL (index/postgres/)
    store: str = ""
    max_file_mb: float = Field(20.0, gt=0)
    chunk_words: int = Field(ChunkerSettings.max_words, ge=20, le=400)
    chunk_overlap: int = Field(ChunkerSettings.overlap_sentences, ge=0, le=5)
    dense_index: Literal["flat", "hnsw"] = "flat"
    fusion: Literal["blend", "rrf"] = "blend"
    fusion_weight: float = Field(IndexSettings.fusion_param, ge=0, le=1)
    rrf_k: float = Field(10.0, gt=0)  # best RRF k on SciFact train (benchmarks/RESULTS.md)
    search_titles: bool = IndexSettings.titles  # passages searched with their document's title
    # the top fused passages re-ranked by their best sentence (index/rerank.py); 0: off
    rerank_depth: int = Field(IndexSettings.rerank_depth, ge=0, le=100)
    # then the top passages read again by a cross-encoder (index/cross_encoder.py); 0: off
    cross_encoder_depth: int = Field(DEFAULT_CROSS_ENCODER_DEPTH, ge=0, le=50)
    # the best candidate sentences of an answer read by the same cross-encoder: it chooses the
    # quote and informs refusals (bot/answering/choosing.py); 0: off
    cross_encoder_sentences: int = Field(DEFAULT_CROSS_ENCODER_SENTENCES, ge=0, le=50)
    # questions and documents in Russian and Kazakh: every passage also embedded by a
    # multilingual model (index/multilingual.py); false: English only, faster builds
    multilingual: bool = True
    # full: check every index file's checksum on load; size: only sizes (benchmarks/RESULTS.md)
    verify_index: Literal["full", "size"] = "full"
    # serve and chat re-index when the documents folder changes (index/watching.py)
    watch: bool = True
    watch_settle_s: float = Field(1.0, gt=0)  # quiet this long after the last change, then build
    # PDF pages without a text layer and image files read by OCR (Tesseract; index/ocr.py)
    ocr: bool = OcrSettings.enabled
    ocr_languages: str = Field(OcrSettings.languages, pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")

    # --- model -----------------------------------------------------------------------------
    embedding_model: str = ""  # empty: the bundled all-MiniLM-L6-v2
    # auto: BERT + mean-pooling folders on plain torch (fast start), others on sentence-transformers
    model_backend: Literal["auto", "torch", "sentence-transformers"] = "auto"
    torch_threads: int = Field(1, ge=1)
    index_threads: int = Field(0, ge=0)  # 0: all cores but one

    # --- answers ---------------------------------------------------------------------------
    top_k: int = Field(5, ge=1, le=50)
    min_answer_score: float = DEFAULT_MIN_SCORE  # calibrated: benchmarks/RESULTS.md
    # the same floor in the multilingual space (its model's cosines run higher)
    multilingual_min_answer_score: float = DEFAULT_MULTILINGUAL_MIN_SCORE
    # the answerability probability an answer needs; unset: the learned model's own threshold
    answer_threshold: float | None = Field(None, ge=0, le=1)
    conversation_turns: int = Field(6, ge=1)
    conversation_minutes: float = Field(30.0, gt=0)

    # --- generative answers (optional; README, "Generative answers (optional)") -------------
    llm_url: str = ""  # an OpenAI-compatible server's base URL; empty: extractive answers only
    llm_model: str = ""
    llm_api_key: SecretStr | None = None  # sent only as "Authorization: Bearer ..."
    llm_timeout_s: float = Field(8.0, gt=0)  # the whole call; then the extractive answer
    llm_max_tokens: int = Field(300, ge=16)
    llm_stream: bool = True

    # --- Telegram --------------------------------------------------------------------------
    telegram_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "DOCBOT_TELEGRAM_BOT_TOKEN")
    )
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = ""  # empty: derived from the base URL
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    allowed_users: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admins: Annotated[list[int], NoDecode] = Field(default_factory=list)
    questions_per_minute: int = Field(20, ge=1)
    max_upload_mb: float = Field(10.0, gt=0)
    feedback_file: Path = Path(".docbot/feedback.jsonl")
    # a TOML file mapping chats to subfolders of the documents folder (bot/telegram/scopes.py);
    # empty: every chat sees every document
    scopes: str = ""
    # with DOCBOT_STORE: a worker's claim on an update is taken over after this many seconds
    claim_lease_s: float = Field(60.0, gt=0)
    # "tell me when the documents answer this": days a request waits, and how often (seconds)
    # the bot looks for a new index to ask the waiting questions again (bot/telegram/notify.py)
    notify_days: float = Field(30.0, gt=0)
    notify_check_s: float = Field(10.0, gt=0)
    # the language of the bot's own words (bot/telegram/languages.py): auto (the asker's
    # Telegram language, else the chat's last known, else English), or always en, ru or kk
    language: Literal["auto", "en", "ru", "kk"] = "auto"

    @field_validator("allowed_users", "admins", mode="before")
    @classmethod
    def _ids(cls, value: object) -> list[int]:
        return _id_list(value)

    @field_validator("store")
    @classmethod
    def _store_url(cls, value: str) -> str:
        value = value.strip()
        if value and not is_postgres_url(value):
            raise ValueError("DOCBOT_STORE must be empty (the index folder) or postgresql://...")
        return value

    @field_validator(
        "telegram_bot_token", "webhook_secret", "answer_threshold", "llm_api_key", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def index_settings(self) -> IndexSettings:
        return IndexSettings(
            chunker=ChunkerSettings(
                max_words=self.chunk_words, overlap_sentences=self.chunk_overlap
            ),
            dense_kind=self.dense_index,
            fusion=self.fusion,
            fusion_param=self.rrf_k if self.fusion == "rrf" else self.fusion_weight,
            max_file_bytes=int(self.max_file_mb * 1024 * 1024),
            verify=self.verify_index,
            titles=self.search_titles,
            rerank_depth=self.rerank_depth,
            cross_encoder_depth=self.cross_encoder_depth,
            cross_encoder_sentences=self.cross_encoder_sentences,
            cross_encoder_threads=self.torch_threads,
            multilingual=self.multilingual,
            multilingual_threads=self.torch_threads,
            ocr=OcrSettings(
                enabled=self.ocr,
                languages=self.ocr_languages,
                cache=cache_folder(self.index_dir),
            ),
        )

    def build_threads(self) -> int:
        """Threads for `docbot index`: all cores but one (at least one), unless set. On a
        2-core machine with the bot running, 2 torch threads ran slower than 1 (7.1 vs 11.2
        chunks/s, benchmarks/RESULTS.md): the spare core keeps the bot and the build apart."""
        return self.index_threads or max(1, (os.cpu_count() or 1) - 1)
