"""Rich Text Format (.rtf) to its plain text, with striprtf: each paragraph a paragraph, the
code page the file declares (``\\ansicpg1251``) used for its escaped bytes. The title is the
document's ``{\\info{\\title ...}}``, else its first line when that reads as a headline."""

from __future__ import annotations

import codecs
import re

from index.documents import SkipFile
from index.layout import Layout
from index.reasons import NOT_RTF, RTF_NESTING

_CODE_PAGE = re.compile(rb"\\ansicpg(\d{3,5})")
_TITLE = re.compile(r"\{\\title\s*([^{}\\]*)\}")
MAX_DEPTH = 1_000  # braces nested deeper: no word processor writes that


def rtf_layout(data: bytes) -> Layout:
    """The layout of an .rtf file (see the module); raises SkipFile."""
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip().startswith(b"{\\rtf"):
        raise SkipFile(NOT_RTF, header="{\\rtf")
    _check_depth(data)
    source = data.decode("latin-1")
    text = rtf_to_text(source, encoding=_encoding(data), errors="replace")  # type: ignore[no-untyped-call]
    title = _TITLE.search(source)
    layout = Layout(title=" ".join(title.group(1).split()) if title else "")
    for line in text.split("\n"):
        layout.add(line)
    return layout


def _encoding(data: bytes) -> str:
    found = _CODE_PAGE.search(data[:4096])
    name = f"cp{int(found.group(1))}" if found else "cp1252"
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name


def _check_depth(data: bytes) -> None:
    depth = 0
    for byte in data.translate(None, delete=bytes(set(range(256)) - {0x7B, 0x7D})):
        depth += 1 if byte == 0x7B else -1
        if depth > MAX_DEPTH:
            raise SkipFile(RTF_NESTING, limit=MAX_DEPTH)
