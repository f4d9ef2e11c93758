"""The text rules retrieval and answering share, one rule per concept: words, terms (what BM25
indexes and answering weighs), sentences, names, numbers and negation.

Cheap to import (``re`` only); the stemmer and the stop-word list load on first use."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.chunking import Chunk

# --- words and terms -------------------------------------------------------------------------

WORD = re.compile(r"[\w'’-]+", re.UNICODE)  # a word, with its apostrophes and hyphens
ALNUM_RUN = re.compile(r"\w+", re.UNICODE)  # a run of letters and digits: what terms are made of
_LONGEST_TERM = 40  # longer runs are not words (hashes, base64): no term


# Function words (written for docbot, by kind), left out of the terms like English stop words.
RUSSIAN_STOPWORDS = frozenset(
    (
        # conjunctions and particles
        "и а но или либо да что чтобы если как то ли же бы ни не также тоже "
        # prepositions
        "в во на с со к ко по о об обо от из за у до для при без под над про через "
        # the copula
        "быть был была было были будет будут является являются есть "
        # pronouns: he, she, it, they; this; that; such
        "он она оно они его ее её их ему ей им ним ней нем него нее неё них ними "
        "это этот эта эти этого этой этих этом эту этим этому этими "
        "тот та те того той тех ту тем тому теми такой такая такое такие такого таких"
    ).split()
)
KAZAKH_STOPWORDS = frozenset(
    (
        # conjunctions, postpositions and particles
        "және мен бен пен да де та те немесе бірақ алайда әрі яғни үшін туралы бойынша "
        "арқылы сияқты ме ма ба бе па пе ғой қой ғана не "
        # pronouns: he/she/it, they; this; that
        "ол олар оның олардың оған оны бұл осы сол бұның осының соның "
        # the copula
        "болып болады болды табылады"
    ).split()
)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | RUSSIAN_STOPWORDS | KAZAKH_STOPWORDS


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _russian() -> Any:
    import Stemmer

    return Stemmer.Stemmer("russian")


# Kazakh endings by slot, in the order a word takes them (stem + plural + possessive + case, or
# a verb's stem + ending), each slot's longest first; with their vowel-harmony and assimilation
# variants. kazakh_stem cuts them from the end: case (or verb), then possessive, then plural.
def _longest_first(endings: str) -> tuple[str, ...]:
    return tuple(sorted(endings.split(), key=len, reverse=True))


_KAZAKH_SLOTS = (
    _longest_first(
        "ның нің дың дің тың тің "  # genitive
        "ға ге қа ке на не "  # dative
        "ны ні ды ді ты ті н "  # accusative
        "да де та те нда нде дағы дегі тағы тегі ндағы ндегі "  # locative
        "дан ден тан тен нан нен "  # ablative
        "мен бен пен "  # instrumental
        "ады еді йды йді ған ген қан кен ып іп у"  # verbs: present, participle, converb, noun
    ),
    # possessive (not "my" -ым and "your" -ың, rare in documents: "әкім" is a word)
    _longest_first("ы і сы сі ымыз іміз мыз міз ыңыз іңіз ңыз ңіз"),
    _longest_first("лар лер дар дер тар тер"),  # plural
)
_VOWELS = frozenset("аәеиоөұүуыіэюя")
_VOICELESS = frozenset("пфкқтсшщхцч")
_AFTER_POSSESSIVE = frozenset("ыі")
# What the letter before an ending must be, by the ending's first letter (or the ending):
# "-та" follows a voiceless consonant ("облыста"), "-да" does not ("қалада"); "-на", "-нда",
# "-н" follow a possessive ("жылына", "қаласында"), "-сы" a vowel ("қаласы"), "-ы" a consonant.
_BEFORE_LETTER = {
    **{c: _VOICELESS for c in "тқкп"},
    **{c: frozenset("аәеиоөұүуыіэюябвгғджзйлмнңрһ") for c in "дғгб"},
}
_BEFORE_ENDING = {
    **{e: _AFTER_POSSESSIVE for e in ("на", "не", "н", "нда", "нде", "ндағы", "ндегі")},
    **{e: _AFTER_POSSESSIVE | frozenset("мнң") for e in ("нан", "нен")},
    **{e: _VOWELS for e in ("сы", "сі")},
    **{e: frozenset("бвгғджзйклмнңпқрстфхцчшщһ") for e in ("ы", "і")},
}
_DEVOICED = {"б": "п", "г": "к", "ғ": "қ"}  # "мектебі" is "мектеп" + "і"
# Names whose last letters read as an ending: "-стан" is not the ablative "-тан" here.
_KAZAKH_WHOLE = frozenset(
    "қазақстан өзбекстан қырғызстан тәжікстан түрікменстан ауғанстан пәкістан үндістан".split()
)
KAZAKH_MIN_STEM = 2  # letters an ending never cuts below


@lru_cache(maxsize=200_000)
def kazakh_stem(word: str) -> str:
    """``word`` (lower case) without its Kazakh endings: at most one of each slot of
    ``_KAZAKH_SLOTS``, from the end, the longest that leaves ``KAZAKH_MIN_STEM`` letters and
    agrees with the letter before it (``_BEFORE_*``); a final б г ғ devoiced ("комиссияның" ->
    "комиссия", "облыстардағы" -> "облыс", "мектебі" -> "мектеп")."""
    cut = word
    for slot in _KAZAKH_SLOTS:
        if cut in _KAZAKH_WHOLE:
            break
        for ending in slot:
            if _cuts(cut, ending):
                cut = cut[: -len(ending)]
                break
    if cut != word and cut[-1] in _DEVOICED:
        cut = cut[:-1] + _DEVOICED[cut[-1]]
    return cut


def _cuts(word: str, ending: str) -> bool:
    rest = len(word) - len(ending)
    if rest < KAZAKH_MIN_STEM or not word.endswith(ending):
        return False
    before = _BEFORE_ENDING.get(ending, _BEFORE_LETTER.get(ending[0]))
    return before is None or word[rest - 1] in before


# An identifier made of words: ffi_closure_alloc, deflateInit, Z_STREAM_END, python3.
_COMPOUND = re.compile(r"[^\W_]_[^\W_]|[a-z][A-Z]|[A-Z]{2}[a-z]|[^\W\d_]\d")
_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^\W\da-zA-Z_]+")


def _words(text: str, parts: bool = True) -> list[str]:
    stop = _stopwords()
    if not parts or not _COMPOUND.search(text):  # prose: the fast path
        return [
            w for w in ALNUM_RUN.findall(text.lower()) if w not in stop and len(w) < _LONGEST_TERM
        ]
    out: list[str] = []
    for run in ALNUM_RUN.findall(text):
        word = run.lower()
        if len(word) >= _LONGEST_TERM:
            continue
        if word not in stop:
            out.append(word)
        if _COMPOUND.search(run):
            out.extend(identifier_parts(run, stop))
    return out


def identifier_parts(run: str, stop: frozenset[str] = frozenset()) -> list[str]:
    """The words an identifier is made of, lower-cased ("ffi_closure_alloc" -> ffi, closure,
    alloc; "deflateInit" -> deflate, init; "python3" -> python, 3): searchable by its parts as
    well as whole. Single letters and stop words are left out."""
    parts = (p.lower() for p in _PART.findall(run))
    return [p for p in parts if (len(p) > 1 or p.isdigit()) and p not in stop]


def tokenize(text: str, parts: bool = True) -> list[str]:
    """The terms of ``text``: lower-cased words, stop words removed, stemmed; an identifier
    (``ffi_closure_alloc``, ``deflateInit``) gives its parts as terms too, unless ``parts`` is
    False (a name is found by its whole words: "PostgreSQL" by "postgresql").

    Stemming goes by script: words without Cyrillic letters by Porter (English; a text
    without Cyrillic takes exactly that path), Cyrillic words by Snowball's Russian stemmer, or
    by :func:`kazakh_stem` when the word holds a Kazakh letter or the text is Kazakh
    (:func:`kazakh_text`)."""
    words = _words(text, parts)
    if not _CYRILLIC.search(text):
        return list(_stemmer().stemWords(words))
    return stems_of(words, kazakh_text(text))


def kazakh_text(text: str) -> bool:
    """Is ``text`` Kazakh, for its terms? By its share of words holding a Kazakh letter; a text
    with some but not most such words is asked of ``index.languages.detect``."""
    from index import languages

    share = languages.kazakh_share(text)
    if share >= languages.KAZAKH_SHARE:
        return True
    return share > 0 and languages.detect(text) == "kk"


_CYRILLIC = re.compile(r"[а-яёА-ЯЁәғқңөұүһіӘҒҚҢӨҰҮҺІ]")
_KAZAKH_LETTER = re.compile(r"[әғқңөұүһі]")  # in a lower-cased word
_STEMS: dict[str, str] = {}  # word -> stem: a dict lookup is ~5x faster than the stemmer
_STEMS_MAX = 500_000  # words; cleared when full (an English vocabulary fits many times over)


def stems_of(words: Sequence[str], kazakh: bool = False) -> list[str]:
    """The stem of each (lower-cased) word, remembered across calls: Porter's for a word
    without Cyrillic letters; for a Cyrillic word :func:`kazakh_stem` when it holds a Kazakh
    letter or ``kazakh`` is True (the text is Kazakh), Snowball's Russian stem otherwise."""
    cache = _STEMS
    new = [w for w in set(words) if w not in cache]
    if new:
        if len(cache) + len(new) > _STEMS_MAX:
            cache.clear()
        cache.update(zip(new, _stem_words(new), strict=True))
    if kazakh:
        return [kazakh_stem(w) if _CYRILLIC.search(w) else cache[w] for w in words]
    return [cache[w] for w in words]


def _stem_words(words: list[str]) -> list[str]:
    cyrillic = [w for w in words if _CYRILLIC.search(w)]
    if not cyrillic:
        return list(_stemmer().stemWords(words))
    russian = [w for w in cyrillic if not _KAZAKH_LETTER.search(w)]
    stems = dict(zip(russian, _russian().stemWords(russian), strict=True))
    stems.update((w, kazakh_stem(w)) for w in cyrillic if w not in stems)
    other = [w for w in words if w not in stems]
    stems.update(zip(other, _stemmer().stemWords(other), strict=True))
    return [stems[w] for w in words]


def terms_by_span(text: str, spans: Sequence[tuple[int, int]]) -> list[frozenset[str]]:
    """The distinct :func:`tokenize` terms of each span of ``text``."""
    per_span = [_words(text[a:b]) for a, b in spans]
    kazakh = _CYRILLIC.search(text) is not None and kazakh_text(text)
    stems = stems_of([w for words in per_span for w in words], kazakh)
    out, at = [], 0
    for words in per_span:
        out.append(frozenset(stems[at : at + len(words)]))
        at += len(words)
    return out


# --- sentences -------------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    (
        "mr mrs ms dr prof st jr sr vs etc e.g i.e eg ie inc ltd co corp no nos fig figs "
        "al approx dept est gen gov sen rep col lt sgt capt cmdr adm rev hon u.s u.k u.n "
        "e.u jan feb mar apr jun jul aug sep sept oct nov dec mt ft op cf ed eds vol pp "
    ).split()
)
# A sentence ends at . ! ? … (and closing quotes/brackets) followed by space and a capital,
# a digit, a quote or an opening bracket.
_BOUNDARY = re.compile(r"[.!?…。！？]+[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]?[^\W_a-zа-яёәғқңөұүһі])")
_FINAL = re.compile(r"[.!?…][\"'”’»)\]]*\s*$")  # a sentence's final punctuation


# A line that starts a list item ("- ", "* ", "• ", "1. ", "2) "): always a new sentence, with or
# without final punctuation before it ("- type: Sets parameter type" then "- nargs: ...").
LIST_MARKER = r"(?:[-*•–]|\d{1,3}[.)])[ \t]+"  # what opens a list item, its spaces included
_LIST_ITEM = re.compile(rf"\n(?=[ \t]*{LIST_MARKER}\S)")
_ENUMERATOR = re.compile(r"\s*\d{1,3}\.")  # "1." opening a numbered item ends no sentence


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` as absolute (start, end) offsets; a list item
    (:data:`_LIST_ITEM`) starts a new one."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _LIST_ITEM.finditer(text, start, end):
        spans += _prose_sentences(text, pos, m.start())
        pos = m.end()
    return spans + _prose_sentences(text, pos, end)


def _prose_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.start() + len(m.group(0).rstrip())
        if _ends_with_abbreviation(text, pos, m.start()) or _ENUMERATOR.fullmatch(text[pos:cut]):
            continue
        if text[pos:cut].strip():
            spans.append((pos, cut))
        pos = m.end()
    if text[pos:end].strip():
        spans.append((pos, end))
    return [strip_span(text, a, b) for a, b in spans]


def _ends_with_abbreviation(text: str, start: int, dot: int) -> bool:
    if dot >= len(text) or text[dot] != ".":
        return False
    j = dot
    while j > start and not text[j - 1].isspace():
        j -= 1
    word = text[j:dot].lower().strip("\"'“‘(")
    if not word:
        return False
    if _CYRILLIC.search(word):
        return _cyrillic_abbreviation(text, start, j, word.lstrip("«"))
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith"
        return True
    return word in _ABBREVIATIONS


# Russian and Kazakh abbreviations (lower case, without their final dot): never a sentence's end.
_CYRILLIC_ABBREVIATIONS = frozenset(
    (
        # Russian: that is, because, so-called, acting, named after; street, avenue, square,
        # house, flat, city, village, district, region; page, see, figure, table, chapter,
        # section, item, article, part; professor, academician, deputy; about, compare, e.g.
        "т.е т.к т.н и.о им ул пр-т просп пл пер д кв г пос р-н обл стр см рис табл гл разд "
        "в вв п пп ст ч проф акад доц канд д-р зам ген ок ср напр прим англ рус каз лат букв "
        # Kazakh: city, district, street, region, for example, page, approximately
        "қ ауд көш мыс б ш"
    ).split()
)
# Ends of an enumeration (and so on, and others): a capital after them starts a sentence.
_CYRILLIC_ENDINGS = frozenset("т.д т.п др т.б т.с.с".split())
# Units after a number (year, years, million, thousand, roubles, tenge): "в 1999 г." may end a
# sentence; "г. Алматы" (city) does not. ("XX в.", century, is left inside: "В XX в. Россия".)
_AFTER_NUMBER = frozenset("г гг ж жж млн млрд тыс руб коп долл тг".split())
_NUMBER_WORD = re.compile(r"\d[\d–-]*")


def _cyrillic_abbreviation(text: str, start: int, j: int, word: str) -> bool:
    before = text[start:j].split()[-3:]  # the words before, for "т. д." and "1999 г."
    chain = word
    for w in reversed(before):
        if not (w.endswith(".") and 0 < len(w) <= 3):
            break
        chain = w.lower() + chain
        if chain in _CYRILLIC_ENDINGS:
            return False
    if word in _CYRILLIC_ENDINGS:
        return False
    if word in _AFTER_NUMBER and before and _NUMBER_WORD.fullmatch(before[-1]):
        return False
    if len(word) == 1 and word.isalpha():  # an initial ("А. С. Пушкин"), or "т. е.", "г."
        return word != "я"  # "... и я." ends a sentence
    return word in _CYRILLIC_ABBREVIATIONS


def strip_span(text: str, a: int, b: int) -> tuple[int, int]:
    """The span ``a:b`` of ``text`` without white space at its edges."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def sentence_spans(chunk: Chunk) -> tuple[tuple[int, int], ...]:
    """The chunker's sentence spans of a chunk; a chunk stored without them is one sentence."""
    return chunk.sentences or ((0, len(chunk.text)),)


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with a sentence's final punctuation (a heading does not)."""
    return _FINAL.search(text) is not None


# --- names, negation, numbers ----------------------------------------------------------------


_POSSESSIVE = re.compile(r"['’]s$")


def names(sentence: str) -> list[str]:
    """The names a sentence uses: its capitalised words after the first ("Uzbekistan", "FBI",
    "Akims'"), "I" aside, without a possessive "'s" ("Iskakova's" is "Iskakova": a table cell
    naming her holds no "s") and the apostrophes at their edges; in order, repeats kept."""
    return [
        _POSSESSIVE.sub("", w).strip("'’")
        for w in WORD.findall(sentence)[1:]
        if w[:1].isupper() and w != "I"
    ]


NEGATIONS = frozenset(
    "not n't no never without nothing none neither nor cannot failed fail fails unable".split()
)


def negated(text: str) -> bool:
    """True when ``text`` says "not", "never", "without", "failed", ... (a word of
    ``NEGATIONS``, or one ending in "n't")."""
    return any(w in NEGATIONS or w.endswith("n't") for w in WORD.findall(text.lower()))


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")  # "42", "1,200", "3.5"


def numbers(text: str) -> list[str]:
    """The numbers written in ``text``, as written ("1,200"), in order."""
    return _NUMBER.findall(text)
