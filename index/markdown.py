"""Markdown (CommonMark with tables, and the MyST and MkDocs extensions technical documentation
uses) to the text a reader sees, as :class:`index.markup.Blocks`.

Link text stays and URLs go, so a quoted passage reads "use pyenv install", not "use
[`pyenv install`](COMMANDS.md#pyenv-install)". A MyST role reads as the text it shows, a
directive as its body (:mod:`index.sphinx`: code as code, admonitions labelled, tables of
contents and includes dropped); definition and field lists keep their terms ("postgres:
Databases are owned by this user."), admonitions (MyST, MkDocs ``!!!``, GitHub's ``> [!NOTE]``)
their labels.
"""

from __future__ import annotations

import re
import textwrap

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.field_list import fieldlist_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin

from index.documents import SkipFile
from index.hypertext import html_fragment_text
from index.markup import Blocks, Terms, terms_text
from index.sphinx import CODE, DROP, LABELS, body_of_argument, reading, role_text, split_options

_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.M)
# myst_blocks: "(target)=" lines, "% comments" and "+++" breaks are read (and dropped).
_MARKDOWN = (
    MarkdownIt("commonmark")
    .enable("table")
    .use(deflist_plugin)
    .use(fieldlist_plugin)
    .use(colon_fence_plugin)
    .use(admon_plugin)
    .use(myst_block_plugin)
)
MAX_DIRECTIVE_NESTING = 8  # deeper directives' bodies are read as plain text
_DIRECTIVE = re.compile(r"\{([\w:.+-]+)\}\s*(.*)", re.S)  # ```{name} argument
_ALERT = re.compile(r"\A\[!(note|tip|important|warning|caution)\][ \t]*\n?", re.I)


def split_front_matter(source: str) -> tuple[str, str]:
    """A leading YAML front matter block is metadata, not text: returns (its title, the rest).

    Only a ``title:`` line is read (quotes stripped); no YAML parser is needed for that.
    """
    match = _FRONT_MATTER.match(source)
    if not match:
        return "", source
    found = _FRONT_TITLE.search(match.group(1) or "")
    title = found.group(1).strip("\"'").strip() if found else ""
    return title, source[match.end() :]


def markdown_blocks(source: str) -> Blocks:
    """Paragraphs, headings, list items (one per line), tables (cells joined by " | ") and code
    as text. Dropped: URLs, images (alt text too: it describes a picture the reader of a quote
    cannot see, and often repeats the file name), raw HTML tags, rules, emphasis markers and
    MyST comments and targets. Text inside HTML blocks (``<details>``) is kept as text."""
    title, body = split_front_matter(source)
    reader = _MarkdownReader(Blocks(title=title))
    reader.read_all(body)
    return reader.blocks


class _MarkdownReader:
    """Turns markdown-it's flat token stream into blocks; lists and tables are gathered line by
    line and added as one paragraph when they close."""

    def __init__(self, blocks: Blocks, depth: int = 0) -> None:
        self.blocks = blocks
        self.depth = depth  # of the directive whose body this reads
        self.lines: list[str] = []  # of the open list or table
        self.numbers: list[int] = []  # per open list: the next item number, -1 for bullets
        self.cells: list[str] | None = None  # of the open table row
        self.marker = ""  # for the open list item's first line
        self.heading = False
        self.terms: list[Terms] = []  # open definition and field lists
        self.in_term = self.in_title = self.quote_start = False
        self.leads: list[tuple[int, str]] = []  # open definitions, admonitions: (mark, label)

    def read_all(self, source: str) -> None:
        for token in _MARKDOWN.parse(source):
            self.read(token)

    def read(self, token: Token) -> None:
        kind = token.type
        if kind in ("heading_open", "heading_close"):
            self.heading = kind == "heading_open"
        elif kind == "inline":
            self.inline(_inline_text(token.children or []))
        elif kind in ("fence", "colon_fence"):
            self.fence(token)
        elif kind == "code_block":
            self.code(token.content)
        elif kind == "html_block":
            self.block(html_fragment_text(token.content))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrs.get("start", 1) if kind == "ordered_list_open" else -1
            self.numbers.append(int(start))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.numbers.pop()
            self.close_group()
        elif kind == "list_item_open":
            self.start_item()
        elif kind == "tr_open":
            self.cells = []
        elif kind == "tr_close" and self.cells is not None:
            self.lines.append(" | ".join(self.cells))
            self.cells = None
        elif kind == "table_close":
            self.close_group()
        else:
            self.read_structure(token)

    def read_structure(self, token: Token) -> None:
        """Definition and field lists, admonitions and blockquotes (GitHub's alerts)."""
        kind = token.type
        if kind in ("dl_open", "field_list_open"):
            self.terms.append(Terms())
        elif kind in ("dt_open", "dt_close", "fieldlist_name_open", "fieldlist_name_close"):
            self.in_term = kind.endswith("_open")
        elif kind in ("dd_open", "fieldlist_body_open"):
            self.open_lead(self.terms[-1].definition())
        elif kind in ("dd_close", "fieldlist_body_close", "admonition_close"):
            self.close_lead()
        elif kind in ("dl_close", "field_list_close"):
            for term in self.terms.pop().pending:  # terms without a definition
                self.block(term)
        elif kind == "admonition_open":
            tag = str(token.meta.get("tag", ""))
            self.open_lead(token.content or LABELS.get(tag.lower(), tag.capitalize()))
        elif kind in ("admonition_title_open", "admonition_title_close"):
            self.in_title = kind.endswith("_open")
        elif kind in ("blockquote_open", "blockquote_close"):
            self.quote_start = kind == "blockquote_open"

    def inline(self, text: str) -> None:
        if self.in_term and self.terms:
            self.terms[-1].pending.append(text)
            return
        if self.in_title:  # an admonition's title: its label already
            return
        if self.quote_start:  # "> [!NOTE]" opens a GitHub alert: "Note: ..."
            self.quote_start = False
            text = _ALERT.sub(lambda m: LABELS[m.group(1).lower()] + ": ", text)
        if self.cells is not None:
            self.cells.append(" ".join(text.split()))
        elif self.numbers:
            self.lines.append(self.marker + text)
            self.marker = ""
        else:
            self.blocks.add(text, self.heading)

    def block(self, text: str) -> None:
        """Text: a line of the open list, else a paragraph of its own."""
        if self.numbers:
            self.lines.append(self.marker + text)
            self.marker = ""
        else:
            self.blocks.add(text)

    def code(self, text: str) -> None:
        """A code block: lines of the open list (as text), else a code block of its own."""
        if self.numbers:
            self.lines.append(text.rstrip("\n"))
        else:
            self.blocks.add_code(text)

    def open_lead(self, label: str) -> None:
        """``label`` leads what follows (until :meth:`close_lead`); in a list, the next line."""
        if self.numbers:
            if label:
                self.marker += label + ("" if label.endswith(":") else ":") + " "
            self.leads.append((-1, label))
        else:
            self.leads.append((self.blocks.mark(), label))

    def close_lead(self) -> None:
        mark, label = self.leads.pop()
        if mark >= 0:
            self.blocks.lead(mark, label)

    def fence(self, token: Token) -> None:
        """A fenced block: code, or a MyST directive (```{note}, :::{warning}) read as its
        body (:mod:`index.sphinx` says how)."""
        directive = _DIRECTIVE.fullmatch(token.info.strip())
        if directive is None:
            self.code(token.content)
            return
        name, argument = directive.groups()
        how = reading(name, argument)
        body = split_options(token.content)
        if how.kind == DROP:
            return
        if how.kind == CODE:
            self.code(body)
            return
        if name == "eval-rst" and not self.numbers and self.cells is None:
            self.restructured(body)
            return
        if name == "glossary":
            self.glossary(body)
            return
        first = body_of_argument(name, argument)
        body = f"{first}\n\n{body}" if first else body
        self.open_lead(how.label)
        self.nested(body)
        self.close_lead()

    def nested(self, body: str) -> None:
        """A directive's body, read as Markdown (as plain text past a nesting limit); inside a
        list or table, where blocks cannot go, as lines."""
        if self.depth >= MAX_DIRECTIVE_NESTING:
            self.block(body)
        elif self.numbers or self.cells is not None:
            inner = _MarkdownReader(Blocks(), self.depth + 1)
            inner.read_all(body)
            for text in inner.blocks.texts():
                self.block(text)
        else:
            _MarkdownReader(self.blocks, self.depth + 1).read_all(body)

    def glossary(self, body: str) -> None:
        """A ``{glossary}``: terms at the margin, each definition indented under them."""
        for terms, definition in _glossary_entries(body):
            self.open_lead(terms_text(terms))
            self.nested(definition)
            self.close_lead()

    def restructured(self, source: str) -> None:
        """An ``{eval-rst}`` body: reStructuredText, read as a ``.rst`` file is (as text when
        docutils cannot read it)."""
        from index.restructured import rst_blocks

        try:
            self.blocks.parts.extend(rst_blocks(source).parts)
        except (SkipFile, RecursionError):
            self.blocks.add(source)

    def start_item(self) -> None:
        """The item's first line gets "- " or "3) " ("3) " rather than "3. ", which the sentence
        splitter would cut off as a sentence of its own)."""
        number = self.numbers[-1]
        self.marker = "- " if number < 0 else f"{number}) "
        if number >= 0:
            self.numbers[-1] += 1

    def close_group(self) -> None:
        if not self.numbers and self.cells is None:
            self.blocks.add("\n".join(self.lines))
            self.lines.clear()


def _glossary_entries(body: str) -> list[tuple[list[str], str]]:
    """(terms, definition) of a glossary's body: lines at the margin are terms, the indented
    lines after them (blank lines between) their definition, dedented."""
    entries: list[tuple[list[str], list[str]]] = []
    for line in body.split("\n"):
        if line.strip() and not line[0].isspace():
            if not entries or entries[-1][1]:
                entries.append(([], []))
            entries[-1][0].append(line.strip())
        elif entries:
            entries[-1][1].append(line)
    return [(terms, textwrap.dedent("\n".join(lines))) for terms, lines in entries]


_ROLE = re.compile(r"\{[\w:.+-]+\}$")  # a MyST role's name, right before its `content`


def _inline_text(children: list[Token]) -> str:
    """The words of an inline run: text and code kept, link targets, images and tags dropped;
    a MyST role (``{ref}`pip wheel <pip_wheel>```) reads as the text it shows ("pip wheel")."""
    out: list[str] = []
    for child in children:
        if child.type == "code_inline" and out and _ROLE.search(out[-1]):
            out[-1] = _ROLE.sub("", out[-1])
            out.append(role_text(child.content))
        elif child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak" or _is_br(child):
            out.append("\n")
    return "".join(out)


def _is_br(token: Token) -> bool:
    return token.type == "html_inline" and re.match(r"<br\b", token.content, re.I) is not None
