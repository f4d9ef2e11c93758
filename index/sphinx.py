"""Sphinx's roles and directives (in reStructuredText and MyST Markdown) as the text a reader
sees, one rule for both readers. A role shows its text (``:ref:`pip wheel <pip_wheel>``` reads
"pip wheel"). A directive is dropped (a table of contents, an include, an image),
code (``code-block``), a labelled body ("Note: ...", "Added in version 2.1: ..."), an API entry
whose signature is the term of its description (``.. c:function:: void *f(size_t n)``), or, for
any other directive, its body as text."""

from __future__ import annotations

import re
from dataclasses import dataclass

DROP, CODE, LABEL, TERM, BODY = "drop", "code", "label", "term", "body"

# No text a reader sees (or text from another file, which is never read).
_DROPPED = frozenset(
    """toctree contents include literalinclude raw image meta index highlight sectionauthor
    moduleauthor codeauthor tabularcolumns currentmodule module autosummary graphviz graph digraph
    inheritance-diagram mermaid plot default-domain default-role role title sectnum header footer
    target-notes rst-class tab-set-code program""".split()
)
_CODE = frozenset(
    """code-block code sourcecode code-cell ipython doctest testcode testoutput testsetup
    testcleanup math prompt productionlist""".split()
)
# An extension's directive named so holds code (``click:example``, ``jupyter-execute``).
_CODE_ENDINGS = ("code", "example", "run", "execute", "snippet", "console", "session", "output")
LABELS = {
    "note": "Note", "warning": "Warning", "tip": "Tip", "hint": "Hint",
    "important": "Important", "caution": "Caution", "danger": "Danger",
    "attention": "Attention", "error": "Error", "seealso": "See also", "todo": "Todo",
}  # fmt: skip
_VERSIONED = {
    "versionadded": "Added in version", "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version", "versionremoved": "Removed in version",
}  # fmt: skip
_TITLED = frozenset(("admonition", "topic", "sidebar", "dropdown", "card"))  # argument = label
# Domain directives: an API entry (``py:function``, ``c:macro``, ``option``, ``envvar``).
_ENTRIES = frozenset(
    """function method classmethod staticmethod decorator decoratormethod class exception
    attribute property data type member var macro struct union enum enum-class enum-struct
    enumerator alias concept option cmdoption envvar describe object confval directive
    directive:option event setting""".split()
)


@dataclass(frozen=True)
class Reading:
    kind: str  # DROP, CODE, LABEL, TERM or BODY
    label: str = ""  # LABEL: what leads the body; TERM: the signature


def reading(name: str, argument: str) -> Reading:
    """How to read the directive ``name`` with its ``argument`` (the rest of its first line)."""
    name = name.lower()
    bare = name.split(":", 1)[1] if ":" in name and name not in _ENTRIES else name
    if name in _DROPPED or bare in _DROPPED:
        return Reading(DROP)
    if name in _CODE or bare.rsplit(":", 1)[-1].endswith(_CODE_ENDINGS):
        return Reading(CODE)
    if name in LABELS:
        return Reading(LABEL, LABELS[name])
    if name in _VERSIONED:
        return Reading(LABEL, f"{_VERSIONED[name]} {argument.partition(' ')[0]}".strip())
    if name in _TITLED and argument.strip():
        return Reading(LABEL, argument)
    if bare in _ENTRIES and argument.strip():
        return Reading(TERM, ", ".join(s.strip() for s in argument.split("\n") if s.strip()))
    return Reading(BODY)


def body_of_argument(name: str, argument: str) -> str:
    """What of the argument is the first line of the body: all of it for an admonition without
    a title (``.. note:: Be nice.``), what follows the version for ``versionadded 2.1 Text``."""
    name = name.lower()
    if name in LABELS:
        return argument.strip()
    if name in _VERSIONED:
        return argument.strip().partition(" ")[2].strip()
    return ""


_ROLE_TARGET = re.compile(r"(\S.*?)\s*<[^<>]+>", re.S)  # `text <target>`: the text shows


def role_text(content: str) -> str:
    """What a role shows: the text before an explicit ``<target>``, else the content, and for
    Sphinx's ``~package.module.name`` the last part alone."""
    explicit = _ROLE_TARGET.fullmatch(content)
    if explicit:
        return explicit.group(1)
    if content.startswith("~"):
        return content[1:].rsplit(".", 1)[-1]
    return content


_OPTION = re.compile(r"^:[\w.+-]+:(?:\s.*)?$")  # ":linenos:", ":caption: Text"


def split_options(body: str) -> str:
    """A MyST directive's body without its options: leading ``:name: value`` lines, or a
    leading ``---`` YAML block."""
    lines = body.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        return "\n".join(lines[end + 1 :]) if end else body
    at = 0
    while at < len(lines) and _OPTION.match(lines[at].strip()):
        at += 1
    return "\n".join(lines[at:])
