"""Answers as Telegram HTML: escaping, the reply layout, and splitting at 4096 visible
characters outside tags and entities (the tests check the result against Telegram's HTML rules:
``tests/support/telegram_html.py``).

Telegram counts its limit after parsing the formatting, so lengths here are visible lengths, in
UTF-16 code units (what Telegram counts entity offsets in; never fewer than code points).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.answering.answers import Answer, Citation, ShortAnswer
from bot.answering.titles import distinct_title
from bot.telegram.catalogue import ENGLISH, text
from bot.telegram.replies import NO_CITATIONS, NOT_FOUND, RELATED, SOURCES

MAX_MESSAGE = 4096
MAX_RELATED = 3
MAX_RELATED_CHARS = 60

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=\"[^\"<>]*\")?)*)\s*>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
# the words of a citation's place (index/chunking.py, index/layout.py...) said in the reader's
# language: before a number or a quoted name, "notes" after a slide, "(OCR)"; a quoted name
# (a section, a sheet, a chapter) is matched first and kept as it is
_PLACE = re.compile(
    r'"[^"]*"|\b(?:pages?|paragraphs?|slide|sheet|rows?|chapter)(?= ["\d])|(?<=, )notes$|\(OCR\)'
)


def escape(text: str) -> str:
    """Text safe inside Telegram HTML: ``<``, ``>`` and ``&`` become entities."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- the reply layout ---------------------------------------------------------------------------
def _quote_html(citation: Citation, short: ShortAnswer | None = None) -> str:
    """The quoted passage with the cited sentence(s) marked: in bold, or, when ``short`` is the
    answering phrase and lies in this citation, underlined with the phrase in bold inside."""
    quote = citation.quote
    start, end = citation.highlight
    if not (0 <= start < end <= len(quote) and quote[start:end].strip()):
        return escape(quote).strip()
    before, after = escape(quote[:start]), escape(quote[end:])
    if short is None:
        return f"{before}<b>{escape(quote[start:end])}</b>{after}".strip()
    s, e = short.start, short.end
    if short.n == citation.n and start <= s < e <= end and quote[s:e].strip():
        cited = f"{escape(quote[start:s])}<b>{escape(quote[s:e])}</b>{escape(quote[e:end])}"
    else:
        cited = escape(quote[start:end])
    return f"{before}<u>{cited}</u>{after}".strip()


def place_in(language: str, location: str) -> str:
    """A citation's place in ``language``: "page 7" is "страница 7" in Russian (the words are
    :mod:`bot.telegram.replies`' ``PLACE_*``); names in quotes stay as the document has them."""
    if language == ENGLISH:
        return location
    return _PLACE.sub(lambda m: m[0] if m[0].startswith('"') else text(language, m[0]), location)


def _where(citation: Citation, language: str = ENGLISH) -> str:
    """Where a citation is from: "Title — file.txt, paragraph 4", or just the file and place
    when the title says nothing more than the file name."""
    title = distinct_title(citation)
    where = f"{escape(title)} — " if title else ""
    where += escape(citation.source)
    if citation.location:
        where += f", {escape(place_in(language, citation.location))}"
    return where


def _short_of(answer: Answer) -> ShortAnswer | None:
    """The answering phrase, when there is one and it names a listed citation."""
    short = answer.short
    if short is None or not short.text.strip():
        return None
    if not any(c.n == short.n for c in answer.citations):
        return None
    return short


def format_answer(answer: Answer, language: str = ENGLISH) -> str:
    """The reply to a question, its own words in ``language`` (quotes stay as the documents
    have them); a plain short line when not found.

    With a short answer: the phrase in bold with its [n] marker, then the quoted passages with
    the answering sentence underlined (the phrase in bold inside it), each said once, then the
    numbered sources. Without: the answer sentence(s) with their [n] markers, the numbered
    sources and the quoted passages in an expandable blockquote."""
    if not answer.found or not answer.citations:
        return format_not_found(answer, language)
    heading = f"<b>{escape(text(language, SOURCES))}</b>"
    sources = "\n".join([heading] + [f"[{c.n}] {_where(c, language)}" for c in answer.citations])
    short = _short_of(answer)
    if short is not None:
        quotes = "\n\n".join(f"[{c.n}] {_quote_html(c, short)}" for c in answer.citations)
        phrase = f"<b>{escape(' '.join(short.text.split()))}</b> [{short.n}]"
        return "\n\n".join([phrase, f"<blockquote>{quotes}</blockquote>", sources])
    quotes = "\n\n".join(f"[{c.n}] {_quote_html(c)}" for c in answer.citations)
    parts = [escape(answer.text.strip()), sources]
    parts.append(f"<blockquote expandable>{quotes}</blockquote>")
    return "\n\n".join(parts)


def format_not_found(answer: Answer, language: str = ENGLISH) -> str:
    """Plain and short: the "not in the documents" sentence and at most a few related places,
    grouped by file ("file.txt (paragraph 1; paragraphs 5-6)"). In English the sentence is the
    answer's own (the one the CLI and the evals show); in another language it is the
    catalogue's :data:`~bot.telegram.replies.NOT_FOUND`, whatever the answering layer wrote."""
    english = answer.text.strip() or NOT_FOUND
    said = escape(english if language == ENGLISH else text(language, NOT_FOUND))
    grouped: dict[str, list[str]] = {}
    for item in answer.related[:MAX_RELATED]:
        file, comma, place = " ".join(item.split()).partition(", ")  # "file, its place"
        source, sep, location = (file + comma + place_in(language, place)).rpartition(", ")
        if not sep:
            source, location = location, ""
        places = grouped.setdefault(source, [])
        if location and location not in places:
            places.append(location)
    shown = [
        _shorten(source, MAX_RELATED_CHARS) + (f" ({'; '.join(places)})" if places else "")
        for source, places in grouped.items()
        if source
    ]
    if shown:
        said += "\n\n" + escape(text(language, RELATED, places="; ".join(shown)))
    return said


def _shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut in the middle (keeps a file name's end and location)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def format_sources(answer: Answer, language: str = ENGLISH) -> str:
    """The quoted passages in full, one blockquote each (the "Sources" button)."""
    if not answer.citations:
        return escape(text(language, NO_CITATIONS))
    short = _short_of(answer)
    blocks = [
        f"<b>[{c.n}]</b> {_where(c, language)}\n<blockquote>{_quote_html(c, short)}</blockquote>"
        for c in answer.citations
    ]
    return "\n".join(blocks)


# --- tokens and splitting -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Token:
    raw: str
    visible: str  # the decoded text ("" for a tag)
    tag: str = ""  # tag name for tags
    closing: bool = False


def _tokens(text: str) -> list[_Token]:
    """Tags, entities and single characters, in order. Assumes well-formed input."""
    out: list[_Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            m = _TAG.match(text, i)
            if m:
                out.append(_Token(m.group(0), "", m.group(2).lower(), bool(m.group(1))))
                i = m.end()
                continue
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if m:
                out.append(_Token(m.group(0), html.unescape(m.group(0))))
                i = m.end()
                continue
        out.append(_Token(ch, ch))
        i += 1
    return out


def to_plain(text: str) -> str:
    """The visible text of Telegram HTML (what a user sees), for a plain-text fallback."""
    return "".join(t.visible for t in _tokens(text))


def visible_length(text: str) -> int:
    """The length Telegram counts: the text after tags and entities are parsed, in UTF-16."""
    return sum(utf16_len(t.visible) for t in _tokens(text))


def _break_priority(tokens: list[_Token], i: int) -> int:
    """How good a place it is to cut before token ``i`` (0 = not a boundary)."""
    prev = tokens[i - 1].visible if i > 0 else ""
    prev2 = tokens[i - 2].visible if i > 1 else ""
    if prev == "\n" and prev2 == "\n":
        return 4
    if prev == "\n":
        return 3
    if prev == " " and prev2 in (".", "!", "?", "…", ";", ":"):
        return 2
    if prev in (" ", "\t"):
        return 1
    return 0


def split_html(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` visible characters, at paragraph, line,
    sentence or word boundaries (in that order of preference, never leaving a part less than
    half full for a better boundary), never inside a tag or entity. Tags open at a cut are
    closed at the end of the part and re-opened at the start of the next."""
    tokens = _tokens(text)
    if sum(utf16_len(t.visible) for t in tokens) <= limit:
        return [text] if text.strip() else []
    # The open tags before each token.
    stacks: list[tuple[_Token, ...]] = []
    stack: list[_Token] = []
    for tok in tokens:
        stacks.append(tuple(stack))
        if tok.tag and tok.closing:
            if stack and stack[-1].tag == tok.tag:
                stack.pop()
        elif tok.tag:
            stack.append(tok)
    stacks.append(tuple(stack))

    parts: list[str] = []
    start = 0
    while start < len(tokens):
        size = 0
        end = start
        best: dict[int, int] = {}  # priority -> latest cut index with that priority
        while end < len(tokens):
            width = utf16_len(tokens[end].visible)
            if size + width > limit:
                break
            size += width
            end += 1
            priority = _break_priority(tokens, end)
            if priority:
                best[priority] = end
        if end < len(tokens):
            cut = end  # hard cut (between characters/entities) when nothing better exists
            for priority in (4, 3, 2, 1):
                at = best.get(priority)
                if at is not None and _visible(tokens, start, at) * 2 >= limit:
                    cut = at
                    break
            else:
                if best:
                    cut = best[max(best)]
            if cut <= start:
                cut = end
        else:
            cut = end
        reopen = "".join(t.raw for t in stacks[start])
        body = "".join(t.raw for t in tokens[start:cut])
        close = "".join(f"</{t.tag}>" for t in reversed(stacks[cut]))
        part = reopen + body + close
        if "".join(t.visible for t in tokens[start:cut]).strip():
            parts.append(_strip_edges(part))
        start = cut
        while start < len(tokens) and not tokens[start].tag and tokens[start].visible.isspace():
            start += 1
    return parts


def _visible(tokens: list[_Token], start: int, end: int) -> int:
    return sum(utf16_len(t.visible) for t in tokens[start:end])


def _strip_edges(part: str) -> str:
    """Drop trailing newlines/spaces before the closing tags (Telegram trims them anyway)."""
    m = re.search(r"(\s+)((?:</[a-z-]+>)*)$", part)
    if m and m.group(1):
        return part[: m.start()] + m.group(2)
    return part
