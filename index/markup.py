"""Markdown and HTML to plain text: what a reader sees, not the markup around it.

Both readers produce :class:`Blocks`: paragraphs of clean text (joined by blank lines, which is
how :func:`index.chunking.split_paragraphs` finds paragraphs) and the headings among them, which
become the document's sections. Link text stays and URLs go, so a quoted passage reads "use
pyenv install", not "use [`pyenv install`](COMMANDS.md#pyenv-install)".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token
from selectolax.lexbor import LexborHTMLParser, LexborNode

from index.documents import Section, SkipFile, clean_code, clean_text

TEXT, HEADING, CODE = "text", "heading", "code"  # the kinds of block


@dataclass
class Blocks:
    """Paragraphs of a document in reading order; a heading starts a new section, code is
    kept as written."""

    title: str = ""  # from the markup itself (<title>, front matter); may be empty
    parts: list[tuple[str, str]] = field(default_factory=list)  # (text, its kind)

    def add(self, text: str, heading: bool = False) -> None:
        text = clean_text(text)
        if text:
            self.parts.append((text, HEADING if heading else TEXT))

    def add_code(self, text: str) -> None:
        """A code block: indentation and spaces kept (see :func:`clean_code`)."""
        text = clean_code(text)
        if text:
            self.parts.append((text, CODE))

    def first_heading(self) -> str:
        return next((_one_line(t) for t, kind in self.parts if kind == HEADING), "")

    def texts(self) -> list[str]:
        return [text for text, _ in self.parts]

    def assemble(self) -> Assembled:
        """The text (blocks split by blank lines), its sections and its code, by offset."""
        pieces: list[str] = []
        starts: list[tuple[int, str]] = []
        code: list[tuple[int, int]] = []
        pos = 0
        for text, kind in self.parts:
            if pieces:
                pieces.append("\n\n")
                pos += 2
            if kind == HEADING:
                starts.append((pos, _one_line(text)))
            elif kind == CODE:
                code.append((pos, pos + len(text)))
            pieces.append(text)
            pos += len(text)
        ends = [s for s, _ in starts[1:]] + [pos]  # one more than starts when there are none
        sections = (Section(s, e, h) for (s, h), e in zip(starts, ends, strict=False))
        return Assembled("".join(pieces), tuple(sections), tuple(code))


@dataclass(frozen=True)
class Assembled:
    """A marked-up file's plain text, with where its sections and its code blocks lie."""

    text: str
    sections: tuple[Section, ...]
    code: tuple[tuple[int, int], ...]


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- Markdown ------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.M)
_MARKDOWN = MarkdownIt("commonmark").enable("table")


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
    cannot see, and often repeats the file name), raw HTML tags, rules and emphasis markers.
    Text inside HTML blocks (``<details>``, ``<summary>``) is kept as text."""
    title, body = split_front_matter(source)
    reader = _MarkdownReader(Blocks(title=title))
    for token in _MARKDOWN.parse(body):
        reader.read(token)
    return reader.blocks


class _MarkdownReader:
    """Turns markdown-it's flat token stream into blocks; lists and tables are gathered line by
    line and added as one paragraph when they close."""

    def __init__(self, blocks: Blocks) -> None:
        self.blocks = blocks
        self.lines: list[str] = []  # of the open list or table
        self.numbers: list[int] = []  # per open list: the next item number, -1 for bullets
        self.cells: list[str] | None = None  # of the open table row
        self.marker = ""  # for the open list item's first line
        self.heading = False

    def read(self, token: Token) -> None:
        kind = token.type
        if kind in ("heading_open", "heading_close"):
            self.heading = kind == "heading_open"
        elif kind == "inline":
            self.inline(_inline_text(token.children or []))
        elif kind in ("fence", "code_block"):
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

    def inline(self, text: str) -> None:
        if self.cells is not None:
            self.cells.append(" ".join(text.split()))
        elif self.numbers:
            self.lines.append(self.marker + text)
            self.marker = ""
        else:
            self.blocks.add(text, self.heading)

    def block(self, text: str) -> None:
        """HTML text: a line of the open list, else a paragraph of its own."""
        if self.numbers:
            self.lines.append(text)
        else:
            self.blocks.add(text)

    def code(self, text: str) -> None:
        """A code block: lines of the open list (as text), else a code block of its own."""
        if self.numbers:
            self.lines.append(text.rstrip("\n"))
        else:
            self.blocks.add_code(text)

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


_ROLE = re.compile(r"\{[\w:.+-]+\}$")  # a MyST role's name, right before its `content`
_ROLE_TARGET = re.compile(r"(\S.*?)\s*<[^<>]+>", re.S)  # `text <target>`: the text shows


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


def role_text(content: str) -> str:
    """What a role shows: the text before an explicit ``<target>``, else the content, and for
    Sphinx's ``~package.module.name`` the last part alone."""
    explicit = _ROLE_TARGET.fullmatch(content)
    if explicit:
        return explicit.group(1)
    if content.startswith("~"):
        return content[1:].rsplit(".", 1)[-1]
    return content


def _is_br(token: Token) -> bool:
    return token.type == "html_inline" and re.match(r"<br\b", token.content, re.I) is not None


# --- HTML ----------------------------------------------------------------------------------

_HIDDEN = "script, style, noscript, template, svg, iframe, object, nav, head, math, canvas"
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_BLOCKS = frozenset(
    (
        "p", "div", "ul", "ol", "dl", "table", "section", "article", "header", "footer",
        "blockquote", "figure", "figcaption", "main", "aside", "hr", "form", "fieldset",
        "details", "summary", "address", "body", "caption", "center", "legend", "menu",
    )
)  # fmt: skip
_LINES = frozenset(("li", "tr", "dt", "dd", "option"))  # a line of their list or table
_CELLS = frozenset(("td", "th"))


# lexbor's time grows with the square of the nesting of these elements (100,000 nested divs:
# 12 s; 4 million, which fit in 20 MB: days). Real pages nest them tens deep.
MAX_HTML_NESTING = 1000
_CONTAINER_TAG = re.compile(
    r"<(/?)(?:div|section|article|aside|main|header|footer|nav|blockquote|ul|ol|dl|fieldset"
    r"|figure|details|center)\b",
    re.I,
)


def check_nesting(html: str) -> None:
    """Refuse HTML whose block elements nest deeper than :data:`MAX_HTML_NESTING` (a hostile
    or broken page) before the parser spends hours on it."""
    depth = 0
    for match in _CONTAINER_TAG.finditer(html):
        depth = max(depth - 1, 0) if match.group(1) else depth + 1
        if depth > MAX_HTML_NESTING:
            raise SkipFile(f"HTML nested more than {MAX_HTML_NESTING} levels deep")


def html_blocks(html: str) -> Blocks:
    """The visible text of a page: block elements become paragraphs, list items and table rows
    lines (cells joined by " | "), h1-h6 headings (and sections); scripts, styles, navigation
    and other invisible elements are dropped. The ``<title>`` (else the first h1) is the title.
    Garbage HTML yields little or no text, never an error: lexbor repairs what it is given."""
    check_nesting(html)
    tree = LexborHTMLParser(html)
    titles = (tree.css_first(css) for css in ("head > title", "h1"))
    texts = (_one_line(node.text(deep=True)) for node in titles if node is not None)
    blocks = Blocks(title=next((t for t in texts if t), ""))
    for node in tree.css(_HIDDEN):
        node.decompose()
    if tree.body is not None:
        _walk(tree.body, blocks)
    return blocks


def html_fragment_text(html: str) -> str:
    """The text inside a piece of raw HTML in Markdown (a ``<details>`` block), tags dropped."""
    return "\n\n".join(html_blocks(html).texts())


def _walk(root: LexborNode, blocks: Blocks) -> None:
    """Depth-first over the tree without recursion (a page can nest 100,000 divs). Text runs
    between block boundaries become paragraphs; a node is pushed twice, the second time to
    close its block or line."""
    run: list[str] = []
    stack: list[tuple[LexborNode, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        tag = node.tag or ""
        if leaving:
            run.append("\n") if tag in _LINES else _end_block(run, blocks)
        elif tag == "-text":
            run.append(node.text_content or "")
        elif tag == "br":
            run.append("\n")
        elif tag in _CELLS:
            run.append(" " + node.text(deep=True, separator=" ") + " |")
        elif tag in _HEADINGS:
            _end_block(run, blocks)
            blocks.add(_one_line(node.text(deep=True)), heading=True)
        elif tag == "pre":  # code (or a preformatted example): as written
            _end_block(run, blocks)
            blocks.add_code(node.text(deep=True))
        elif not tag.startswith(("-", "!")):  # comments, doctype
            if tag in _BLOCKS:
                _end_block(run, blocks)
            if tag in _BLOCKS or tag in _LINES:
                stack.append((node, True))
            stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))


def _end_block(run: list[str], blocks: Blocks) -> None:
    """The text gathered so far is a paragraph: one line per line break, spaces collapsed."""
    text = "".join(run)
    run.clear()
    lines = (_one_line(line).strip(" |") for line in text.split("\n"))
    blocks.add("\n".join(line for line in lines if line))
