"""The language of a text, among those docbot serves: English, Russian and Kazakh.

The script decides first: a text with more Latin words than Cyrillic ones, or none of the
latter, is English (docbot's default for Latin text, and for a text without letters). Russian
and Kazakh share Cyrillic; Kazakh has nine letters of its own (``KAZAKH_LETTERS``), so a
Cyrillic text where at least ``KAZAKH_SHARE`` of the words hold one is Kazakh. Otherwise (a
Russian text may name "Тоқаев"; "Терроризм деген не?" has no Kazakh letter), and for texts that
mix Latin and Cyrillic, py3langid (BSD-3-Clause; a naive Bayes model over byte n-grams, 97
languages) restricted to ru / kk (en / ru / kk when mixed) decides: it reads 3-word questions
too (benchmarks/RESULTS.md, "Keyword search per language").

Its model file is checked against the sha256 of py3langid 0.4.0 before it is read; the
identifier is made once, on the first call (~0.6 s), and each call then costs microseconds.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any, Literal

from index.errors import DocbotError

Language = Literal["en", "ru", "kk"]
ENGLISH: Language = "en"
LANGUAGES: tuple[Language, ...] = (ENGLISH, "ru", "kk")  # the languages docbot serves
KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
KAZAKH_SHARE = 0.5  # of a Cyrillic text's words holding a Kazakh letter: Kazakh
LANGID_RELEASE = "py3langid 0.4.0"
LANGID_HASHES = {
    "model.npz.xz": "f4f4a2c3465ca1f081541037f9cac23021d68151c2f709c55ae5eedfca522963",
}

_CYRILLIC_WORD = re.compile(r"[а-яёА-ЯЁәғқңөұүһіӘҒҚҢӨҰҮҺІ]+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


class LanguageModelError(DocbotError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            f"Cannot load the language identifier of {LANGID_RELEASE} ({reason}): install "
            "docbot's dependencies again (pip install py3langid==0.4.0)"
        )


def has_kazakh_letter(word: str) -> bool:
    """True when ``word`` holds a letter only Kazakh's Cyrillic alphabet has (ә ғ қ ң ө ұ ү һ
    і)."""
    return not KAZAKH_LETTERS.isdisjoint(word)


def kazakh_share(text: str) -> float:
    """The share of ``text``'s Cyrillic words holding a Kazakh letter (0 without Cyrillic)."""
    words = _CYRILLIC_WORD.findall(text)
    if not words:
        return 0.0
    return sum(has_kazakh_letter(w) for w in words) / len(words)


def detect(text: str) -> Language:
    """The language ``text`` is written in: "en", "ru" or "kk" (module docstring)."""
    words = _WORD.findall(text)
    kept = words[:1] + [w for w in words[1:] if not w[:1].isupper()]  # names left out
    judged = " ".join(kept) if len(kept) > 1 else text
    if not _CYRILLIC_WORD.search(judged):
        return "en"
    if _LATIN_WORD.search(judged):
        return _identified(judged, LANGUAGES)
    if kazakh_share(judged) >= KAZAKH_SHARE:
        return "kk"
    # a capitalised word with a Kazakh letter here is a name ("Тоқаев подписал указ")
    plain = [w for w in judged.split() if not (w[:1].isupper() and has_kazakh_letter(w))]
    return _identified(" ".join(plain) if len(plain) > 1 else judged, ("ru", "kk"))


def _identified(text: str, languages: tuple[Language, ...]) -> Language:
    found = _identifier(languages).classify(text)[0]
    return "kk" if found == "kk" else "en" if found == "en" else "ru"


@lru_cache(maxsize=2)
def _identifier(languages: tuple[str, ...]) -> Any:
    """py3langid's identifier restricted to ``languages`` (a copy of the loaded one)."""
    ident = copy.copy(_loaded())
    ident.set_languages(list(languages))
    return ident


@lru_cache(maxsize=1)
def _loaded() -> Any:
    """py3langid's identifier over its model file, hash-checked first."""
    from index import packaged  # numpy: not imported with index.text, which imports this

    where = packaged.folder("py3langid", ("data",), LanguageModelError)
    path = packaged.checked(where, LANGID_HASHES, LANGID_RELEASE, LanguageModelError)
    from py3langid.langid import LanguageIdentifier

    return LanguageIdentifier.from_model_file(path["model.npz.xz"], norm_probs=False)


def scripts(text: str) -> frozenset[str]:
    """The alphabets ``text`` is written in: "latin" and / or "cyrillic" (others ignored)."""
    found = set()
    if _LATIN_WORD.search(text):
        found.add("latin")
    if _CYRILLIC_WORD.search(text):
        found.add("cyrillic")
    return frozenset(found)


def alphabet(text: str) -> str:
    """The alphabet most of ``text``'s words are written in: "latin", "cyrillic", or "" for
    none ("Сколько очков набрала NFL?" is Cyrillic)."""
    latin, cyrillic = len(_LATIN_WORD.findall(text)), len(_CYRILLIC_WORD.findall(text))
    if not (latin or cyrillic):
        return ""
    return "cyrillic" if cyrillic > latin else "latin"
