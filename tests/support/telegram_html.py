"""The tests' oracle for Telegram's HTML: why Telegram would refuse a text sent with
``parse_mode=HTML``. It reads the rules on its own (its own tag and entity patterns), so that
it checks :mod:`bot.telegram.formatting` rather than repeating it."""

from __future__ import annotations

import html
import re

from bot.telegram.formatting import MAX_MESSAGE, utf16_len

# Telegram's HTML subset: tag -> allowed attributes (and the only values some may take).
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "span": frozenset({"class"}),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=\"[^\"<>]*\")?)*)\s*>")
_ATTR = re.compile(r"([a-zA-Z-]+)(?:=\"([^\"]*)\")?")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


def telegram_html_problems(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Why Telegram would refuse ``text`` as an HTML-mode message ([] when it is fine):
    unknown tags or attributes, unbalanced or crossed tags, nested blockquotes, a bare
    ``<``, ``>`` or ``&``, an empty text, or more than ``limit`` visible characters."""
    problems: list[str] = []
    stack: list[str] = []
    visible = 0
    seen_text = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            m = _TAG.match(text, i)
            if not m:
                problems.append(f"bare '<' at {i}")
                i += 1
                continue
            closing, name, attrs = bool(m.group(1)), m.group(2), m.group(3)
            if name not in ALLOWED_TAGS:
                problems.append(f"unsupported tag <{name}> at {i}")
            elif closing:
                if attrs.strip():
                    problems.append(f"attributes on a closing tag </{name}> at {i}")
                if not stack or stack[-1] != name:
                    problems.append(f"unexpected </{name}> at {i} (open: {stack})")
                else:
                    stack.pop()
            else:
                for attr, value in _ATTR.findall(attrs):
                    if attr not in ALLOWED_TAGS[name]:
                        problems.append(f"unsupported attribute {attr} on <{name}> at {i}")
                    elif name == "span" and value != "tg-spoiler":
                        problems.append(f'<span> must be class="tg-spoiler" at {i}')
                if name == "blockquote" and "blockquote" in stack:
                    problems.append(f"nested <blockquote> at {i}")
                in_code = "pre" in stack or "code" in stack
                code_in_pre = name == "code" and bool(stack) and stack[-1] == "pre"
                if name in ("pre", "code") and in_code and not code_in_pre:
                    problems.append(f"<{name}> inside pre/code at {i}")
                stack.append(name)
            i = m.end()
            continue
        if ch == "&":
            m = _ENTITY.match(text, i)
            if not m:
                problems.append(f"bare '&' at {i}")
                i += 1
                continue
            visible += utf16_len(html.unescape(m.group(0)))
            seen_text = True
            i = m.end()
            continue
        if ch == ">":
            problems.append(f"bare '>' at {i}")
        visible += utf16_len(ch)
        seen_text = seen_text or not ch.isspace()
        i += 1
    if stack:
        problems.append(f"unclosed tags at the end: {stack}")
    if not seen_text:
        problems.append("empty text")
    if visible > limit:
        problems.append(f"too long: {visible} visible characters (limit {limit})")
    return problems
