"""The bot's own words in the asker's language: gettext catalogues read with Babel.

The English text of each string (a constant of :mod:`bot.telegram.replies`) is its ``msgid``,
as gettext does it: the English source reads as it always did, a string no catalogue knows
yet falls back to English, and ``tests/test_catalogue.py`` fails on any string a catalogue
misses or whose placeholders or HTML tags differ. The translations live in
``locales/<language>/LC_MESSAGES/docbot.po``, read once on first use."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

# the bot speaks the languages docbot reads; English is the source
from index.languages import ENGLISH, LANGUAGES

__all__ = ["ENGLISH", "LANGUAGES", "catalogue_file", "text", "translations"]
LOCALES = Path(__file__).parent / "locales"
DOMAIN = "docbot"


def catalogue_file(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> dict[str, str]:
    """``msgid -> msgstr`` of a language's catalogue (empty for English); fuzzy and empty
    entries are left out, so they fall back to English."""
    if language == ENGLISH:
        return {}
    with catalogue_file(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and m.string and not m.fuzzy and isinstance(m.id, str)
    }


def text(language: str, key: str, **fields: object) -> str:
    """The string ``key`` (its English text) in ``language``, its ``{fields}`` filled in."""
    said = translations(language).get(key, key) if language in LANGUAGES else key
    return said.format(**fields) if fields else said
