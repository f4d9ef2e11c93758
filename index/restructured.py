"""reStructuredText to the text a reader sees, read with docutils, as
:class:`index.markup.Blocks`.

docutils parses with settings that never read another file, a URL or a configuration file and
never write a warning anywhere (``include``, ``raw`` and file options are refused quietly).
Sphinx's roles and directives, unknown to docutils, are not errors: a role reads as the text it
shows, a directive as :mod:`index.sphinx` says (``toctree`` dropped, ``code-block`` code,
``seealso`` labelled, ``py:function`` an API entry, any other its body).

Sections give headings, paragraphs paragraphs, bullet and enumerated lists one line per item
("- ", "3) "), definition, field and option lists one paragraph per term ("-v, --verbose: Say
more."), tables one line per row (cells joined by " | "), admonitions their label ("Note: ..."),
literal blocks code. Comments, targets, substitution definitions and images are dropped.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from docutils import frontend, nodes, utils
from docutils.parsers.rst import Parser, states
from docutils.parsers.rst.languages import en as english
from docutils.transforms.references import Footnotes, Substitutions

from index.documents import SkipFile
from index.markup import Blocks, one_line, terms_text
from index.reasons import RST_LONG_LINE, UNREADABLE_RST
from index.sphinx import CODE, DROP, LABELS, TERM, body_of_argument, reading, role_text

MAX_DIRECTIVE_NESTING = 8  # Sphinx directives in directives; deeper bodies are read as text
# docutils reads no longer line (its own default limit): such a file is skipped, not half read.
MAX_LINE = 10_000

_SETTINGS = {
    "report_level": 5,  # no system message is reported ...
    "halt_level": 5,  # ... nor stops the parse
    "warning_stream": False,  # nothing written to stderr
    "file_insertion_enabled": False,  # no include, no :file: or :url: option reads anything
    "raw_enabled": False,
    "syntax_highlight": "none",  # code as written, no Pygments
    "language_code": "en",
    "line_length_limit": MAX_LINE,
    "input_encoding": "utf-8",
    "tab_width": 8,
}
# docutils' own roles (``:pep:`8``` reads "PEP 8"); every other role reads as its text.
_DOCUTILS_ROLES = frozenset((*english.roles, *english.roles.values()))
_DIRECTIVE_SOURCE = re.compile(r"\.\.[ \t]+([\w:.+-]+)[ \t]*::[ \t]?(.*)")
_OPTION_LINE = re.compile(r":[\w.+-]+:(?:\s|$)")  # ":linenos:", ":caption: Text"
_SKIPPED = (
    nodes.comment, nodes.substitution_definition, nodes.target, nodes.pending, nodes.raw,
    nodes.image, nodes.transition, nodes.decoration, nodes.meta, nodes.title, nodes.label,
)  # fmt: skip


def rst_blocks(source: str) -> Blocks:
    """The text of a reStructuredText file; its title is the ``title`` directive's, else (in
    :mod:`index.loading`) its first section title."""
    longest = max((len(line) for line in source.splitlines()), default=0)
    if longest > MAX_LINE:
        raise SkipFile(RST_LONG_LINE, length=longest, limit=MAX_LINE)
    document = _parse(source)
    blocks = Blocks(title=one_line(str(document.get("title", ""))))
    _Reader(blocks).children(document)
    return blocks


@lru_cache(maxsize=1)
def _settings() -> Any:
    settings = frontend.get_default_settings(Parser)
    for name, value in _SETTINGS.items():
        setattr(settings, name, value)
    return settings


def _parse(source: str) -> nodes.document:
    document = utils.new_document("<rst>", _settings())
    try:
        Parser(inliner=_inliner()).parse(source, document)
        # |name| as its replacement text, [#]_ as its number
        document.transformer.add_transforms((Substitutions, Footnotes))
        document.transformer.apply_transforms()
    except RecursionError:
        raise
    except Exception as exc:  # docutils raises many kinds on inputs it cannot read
        raise SkipFile(UNREADABLE_RST, error=type(exc).__name__) from exc
    return document


def _inliner() -> states.Inliner:
    """docutils' inline parser, with any role it does not know (Sphinx's ``:ref:``,
    ``:py:func:``) read as the text the role shows. (Set on the instance: docutils builds its
    patterns from the class's own attributes, which a subclass would not have.)"""
    inliner = states.Inliner()
    known = inliner.interpreted

    def interpreted(
        rawsource: str, text: str, role: str, lineno: int
    ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        if role and role.lower() not in _DOCUTILS_ROLES:  # asking docutils costs 0.2 ms
            return [nodes.Text(role_text(utils.unescape(text)))], []
        made, messages = known(rawsource, text, role, lineno)
        if made and isinstance(made[0], nodes.problematic):
            return [nodes.Text(role_text(utils.unescape(text)))], []
        return made, messages

    inliner.interpreted = interpreted
    return inliner


class _Reader:
    """Walks a doctree's body elements into blocks (recursively: docutils' own parse of a
    nesting recurses far deeper than this walk of it)."""

    def __init__(self, blocks: Blocks, depth: int = 0) -> None:
        self.blocks = blocks
        self.depth = depth  # of the Sphinx directive whose body this reads

    def children(self, node: nodes.Element) -> None:
        for child in node.children:
            if isinstance(child, nodes.Element):
                self.element(child)

    def element(self, node: nodes.Element) -> None:
        if isinstance(node, nodes.section):
            title = node.next_node(nodes.title)
            if title is not None:
                self.blocks.add(_inline(title), heading=True)
            self.children(node)
        elif isinstance(node, nodes.paragraph | nodes.rubric | nodes.caption):
            self.blocks.add(_inline(node))
        elif isinstance(node, nodes.literal_block | nodes.doctest_block | nodes.math_block):
            self.blocks.add_code(node.astext())
        elif isinstance(node, nodes.bullet_list | nodes.enumerated_list):
            self.blocks.add("\n".join(self.list_lines(node)))
        elif isinstance(node, nodes.definition_list | nodes.field_list | nodes.option_list):
            for term, body in _definitions(node):
                mark = self.blocks.mark()
                self.children(body)
                self.blocks.lead(mark, term)
        elif isinstance(node, nodes.table):
            self.blocks.add("\n".join(_rows(node)))
        elif isinstance(node, nodes.line_block):
            self.blocks.add("\n".join(_inline(line) for line in node.findall(nodes.line)))
        elif isinstance(node, nodes.Admonition | nodes.topic | nodes.sidebar):
            self.labelled(node)
        elif isinstance(node, nodes.footnote | nodes.citation):
            label = node.next_node(nodes.label)
            self.labelled(node, f"[{label.astext()}]" if label is not None else "")
        elif isinstance(node, nodes.attribution):
            self.blocks.add("— " + _inline(node))
        elif isinstance(node, nodes.system_message):
            self.system_message(node)
        elif isinstance(node, _SKIPPED):
            pass
        elif isinstance(node, nodes.TextElement):
            self.blocks.add(_inline(node))
        else:  # containers: block quotes, figures, compounds, containers, legends
            self.children(node)

    def labelled(self, node: nodes.Element, label: str = "") -> None:
        """An admonition, topic or sidebar: its label or title leads its body; a table of
        contents (left unfilled: it repeats the headings) is dropped."""
        if "contents" in node["classes"]:
            return
        title = node.next_node(nodes.title) if not label else None
        label = label or (_inline(title) if title is not None else LABELS.get(node.tagname, ""))
        mark = self.blocks.mark()
        self.children(node)
        self.blocks.lead(mark, label)

    def list_lines(self, node: nodes.Element) -> list[str]:
        """An item per line, "- " or "3) " first, like the Markdown reader's; what an item holds
        besides its paragraph (a nested list, a note) follows on its own lines."""
        number = node.get("start", 1) if isinstance(node, nodes.enumerated_list) else None
        lines: list[str] = []
        for at, item in enumerate(c for c in node.children if isinstance(c, nodes.list_item)):
            inner = Blocks()
            _Reader(inner, self.depth).children(item)
            text = "\n".join(inner.texts())
            if text:
                marker = "- " if number is None else f"{number + at}) "
                lines.extend((marker + text).split("\n"))
        return lines

    def system_message(self, node: nodes.system_message) -> None:
        """docutils' report of a directive it does not know (or whose options it refuses)
        holds the directive's source: read as :mod:`index.sphinx` says. Other reports (an
        include or raw directive refused, a syntax slip) are dropped, but for a table docutils
        could not read, kept as drawn."""
        source = next(
            (c.astext() for c in node.children if isinstance(c, nodes.literal_block)), None
        )
        if node.get("level", 0) < 3 or source is None:
            return
        found = _DIRECTIVE_SOURCE.match(source)
        if found is not None:
            self.directive(found.group(1), found.group(2), source[found.end() :])
        elif source.lstrip().startswith(("+-", "==")):  # a malformed table: as drawn
            self.blocks.add_code(source)

    def directive(self, name: str, argument: str, rest: str) -> None:
        """A directive read from its source: options dropped, its body parsed again. Lines
        right under the first (no blank line between) continue an API entry's signatures
        (``.. function:: f(a)`` / ``g(a, b)``), else the first paragraph of the body."""
        text = textwrap.dedent(rest.removeprefix("\n")).split("\n")
        blank = next((i for i, line in enumerate(text) if not line.strip()), len(text))
        lines, body = text[:blank], "\n".join(text[blank:])
        at = next((i for i, line in enumerate(lines) if _OPTION_LINE.match(line)), len(lines))
        more = "\n".join(lines[:at])  # what precedes the options
        how = reading(name, argument)
        if how.kind == TERM and more:
            how = reading(name, f"{argument}\n{more}")
        elif more:
            body = f"{more}\n\n{body}"
        if how.kind == DROP:
            return
        if how.kind == CODE:
            self.blocks.add_code(body)
            return
        first = body_of_argument(name, argument)
        if first and more and how.kind != TERM:  # "Be nice." and the lines under it: one
            body = f"{first}\n{body}"
        elif first:
            body = f"{first}\n\n{body}"
        mark = self.blocks.mark()
        self.nested(body)
        self.blocks.lead(mark, how.label)

    def nested(self, body: str) -> None:
        if self.depth >= MAX_DIRECTIVE_NESTING:
            self.blocks.add(body)
        elif body.strip():
            _Reader(self.blocks, self.depth + 1).children(_parse(body))


def _definitions(node: nodes.Element) -> Iterable[tuple[str, nodes.Element]]:
    """(term, definition) of each item of a definition, field or option list."""
    for item in node.children:
        if not isinstance(item, nodes.Element) or not item.children:
            continue
        body = item.children[-1]
        if isinstance(item, nodes.definition_list_item):
            terms = [_inline(t) for t in item.children if isinstance(t, nodes.term)]
            kinds = [f" ({_inline(c)})" for c in item.children if isinstance(c, nodes.classifier)]
            yield terms_text(terms) + "".join(kinds), body
        elif isinstance(item, nodes.field):
            yield _inline(item.children[0]), body
        elif isinstance(item, nodes.option_list_item):
            yield terms_text([_option(o) for o in item.children[0].children]), body


def _option(option: nodes.Element) -> str:
    """ "-f FILE", "--file=FILE": the option and its argument as written."""
    out = []
    for part in option.children:
        if isinstance(part, nodes.option_argument):
            out.append(part.get("delimiter", " "))
        out.append(part.astext())
    return "".join(out)


def _rows(table: nodes.Element) -> list[str]:
    return [
        " | ".join(one_line(_inline(entry)) for entry in row.children)
        for row in table.findall(nodes.row)
    ]


def _inline(node: nodes.Node) -> str:
    """The words of a text element on one line: line breaks of the source read as spaces,
    system messages, images and raw text dropped, a footnote reference as "[1]"."""
    return " ".join(_text(node).split())


def _text(node: nodes.Node) -> str:
    if isinstance(node, nodes.Text):
        return str(node)
    if isinstance(node, nodes.system_message | nodes.image | nodes.raw | nodes.comment):
        return ""
    if isinstance(node, nodes.footnote_reference | nodes.citation_reference):
        return f"[{node.astext()}]" if node.astext() else ""
    if isinstance(node, nodes.Element):
        return "".join(_text(child) for child in node.children)
    return ""
