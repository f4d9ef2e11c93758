"""HTML to the text a reader sees (selectolax's lexbor parser), as :class:`index.markup.Blocks`.

Block elements become paragraphs, list items and table rows lines (cells joined by " | "),
h1-h6 headings (and sections), ``<pre>`` code. A definition list's term leads its definition
("postgres: Databases are owned by this user."; Sphinx's and texinfo's API entries, mandoc's
and man2html's tagged paragraphs are such lists; groff lays them out as tables), and an
admonition's title its text ("Note: ..."). Scripts, styles, navigation, tables of contents,
permalink marks and other invisible elements are dropped.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from index.documents import SkipFile
from index.markup import Blocks, Terms, one_line
from index.reasons import HTML_NESTING

_HIDDEN = (
    "script, style, noscript, template, svg, iframe, object, nav, head, math, canvas,"
    " a.headerlink, a.copiable-link, a.copiable-anchor, a.permalink:empty,"
    " [role=navigation], div.sphinxsidebar,"  # navigation by role, Sphinx's sidebar
    # tables of contents (DocBook, Sphinx, docutils): their lists of links, not what they hold
    # (Sphinx's single-page HTML puts the whole document inside its toctree-wrapper)
    " div.toc > ul, div.toc > ol, div.toc > dl, div.toc > p,"
    " div.toctree-wrapper > ul, div.toctree-wrapper > ol,"
    " div.contents > ul, div.contents > ol, div.contents > p.topic-title"
)
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
# Sphinx's admonitions and GitHub's alerts: a box whose first paragraph is its title.
_ADMONITIONS = frozenset(("admonition", "markdown-alert"))
_TITLES = frozenset(("admonition-title", "markdown-alert-title"))
_CLASSED = frozenset(("div", "aside", "section", "p", "blockquote"))  # where they are found


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
            raise SkipFile(HTML_NESTING, limit=MAX_HTML_NESTING)


def html_blocks(html: str) -> Blocks:
    """The visible text of a page: block elements become paragraphs, list items and table rows
    lines (cells joined by " | "), h1-h6 headings (and sections); scripts, styles, navigation
    and other invisible elements are dropped. The ``<title>`` (else the first h1) is the title.
    Garbage HTML yields little or no text, never an error: lexbor repairs what it is given."""
    check_nesting(html)
    tree = LexborHTMLParser(html)
    titles = (tree.css_first(css) for css in ("head > title", "h1"))
    texts = (one_line(node.text(deep=True)) for node in titles if node is not None)
    blocks = Blocks(title=next((t for t in texts if t), ""))
    for node in tree.css(_HIDDEN):
        node.decompose()
    if tree.body is not None:
        _Walk(blocks).run(tree.body)
    return blocks


def html_fragment_text(html: str) -> str:
    """The text inside a piece of raw HTML in Markdown (a ``<details>`` block), tags dropped."""
    return "\n\n".join(html_blocks(html).texts())


_OPEN, _CLOSE, _LEAD, _END_LIST = range(4)  # what a node on the walk's stack is there for


class _Walk:
    """Depth-first over the tree without recursion (a page can nest 100,000 divs). Text runs
    between block boundaries become paragraphs; a node is pushed a second time to close its
    block or line, or to put its term or label before what it held."""

    def __init__(self, blocks: Blocks) -> None:
        self.blocks = blocks
        self.run_: list[str] = []
        self.stack: list[tuple[LexborNode, int]] = []
        self.leads: list[tuple[int, str]] = []  # per open <dd> or admonition: (mark, label)
        self.lists: list[Terms] = []  # open <dl>s

    def run(self, root: LexborNode) -> None:
        self.stack.append((root, _OPEN))
        while self.stack:
            node, phase = self.stack.pop()
            if phase == _OPEN:
                self.open(node)
            else:
                self.close(node, phase)

    def open(self, node: LexborNode) -> None:
        tag = node.tag or ""
        if tag == "-text":
            self.run_.append(node.text_content or "")
        elif tag == "br":
            self.run_.append("\n")
        elif tag in _CELLS:
            self.run_.append(" " + node.text(deep=True, separator=" ") + " |")
        elif tag in _HEADINGS:
            self.end_block()
            self.blocks.add(one_line(node.text(deep=True)), heading=True)
        elif tag == "pre":  # code (or a preformatted example): as written
            self.end_block()
            self.blocks.add_code(node.text(deep=True))
        elif tag == "table" and _is_tagged_paragraphs(node):
            self.tagged_paragraphs(node)
        elif tag == "dt" and self.lists:
            self.end_block()
            self.lists[-1].pending.append(node.text(deep=True))
        elif tag == "dd" and self.lists:
            self.open_lead(node, self.lists[-1].definition())
        elif tag in _CLASSED and _classes(node) & _TITLES:
            pass  # the label of its admonition (below)
        elif tag in _CLASSED and _classes(node) & _ADMONITIONS:
            title = node.css_first(", ".join("." + name for name in sorted(_TITLES)))
            self.open_lead(node, title.text(deep=True) if title is not None else "")
        elif not tag.startswith(("-", "!")):  # comments, doctype
            if tag == "dl":
                self.lists.append(Terms())
                self.stack.append((node, _END_LIST))
            if tag in _BLOCKS:
                self.end_block()
            if tag in _BLOCKS or tag in _LINES:
                self.stack.append((node, _CLOSE))
            self.push_children(node)

    def open_lead(self, node: LexborNode, label: str) -> None:
        self.end_block()
        self.leads.append((self.blocks.mark(), label))
        self.stack.append((node, _LEAD))
        self.push_children(node)

    def tagged_paragraphs(self, table: LexborNode) -> None:
        """groff's man pages lay a tagged paragraph (``-a  Show all.``) out as a table row with
        empty spacer cells: the tag leads its text, as a definition's term does."""
        self.end_block()
        for row in table.css("tr"):
            cells = [t for t in (one_line(c.text(deep=True)) for c in row.css("td")) if t]
            mark = self.blocks.mark()
            self.blocks.add(cells[-1] if cells else "")
            if len(cells) == 2:
                self.blocks.lead(mark, cells[0])

    def push_children(self, node: LexborNode) -> None:
        self.stack.extend((child, _OPEN) for child in reversed(list(node.iter(include_text=True))))

    def close(self, node: LexborNode, phase: int) -> None:
        if phase == _CLOSE:
            self.run_.append("\n") if node.tag in _LINES else self.end_block()
        elif phase == _LEAD:
            self.end_block()
            self.blocks.lead(*self.leads.pop())
        else:  # a <dl> ends: terms without a definition are paragraphs of their own
            self.end_block()
            for term in self.lists.pop().pending:
                self.blocks.add(one_line(term))

    def end_block(self) -> None:
        """The text gathered so far is a paragraph: one line per line break, spaces collapsed."""
        text = "".join(self.run_)
        self.run_.clear()
        lines = (one_line(line).strip(" |") for line in text.split("\n"))
        self.blocks.add("\n".join(line for line in lines if line))


def _is_tagged_paragraphs(table: LexborNode) -> bool:
    """A table as groff's HTML output lays out tagged paragraphs: no frame, no rules."""
    attributes = table.attributes
    return attributes.get("frame") == "void" and attributes.get("rules") == "none"


def _classes(node: LexborNode) -> frozenset[str]:
    return frozenset((node.attributes.get("class") or "").split())
