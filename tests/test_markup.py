"""Issue 23: the structure of technical documents kept in their text. A definition keeps its
term ("postgres: Databases are owned by this user."), an admonition its label ("Note: ..."),
a MyST or Sphinx directive reads as its body; reStructuredText is read with docutils, safely.
Every document here is written for the test."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from index.chunking import chunk_document
from index.documents import Document, SkipFile
from index.hypertext import html_blocks
from index.loading import load, scan
from index.markdown import markdown_blocks
from index.markup import CODE, Blocks
from index.restructured import rst_blocks
from index.text import split_sentences


def _texts(blocks: Blocks) -> list[str]:
    return blocks.texts()


def _code(blocks: Blocks) -> list[str]:
    return [text for text, kind in blocks.parts if kind == CODE]


def _load(folder: Path, name: str, text: str) -> Document:
    (folder / name).write_text(text, encoding="utf-8")
    files, skipped = scan(folder)
    assert skipped == []
    return load(next(f for f in files if f.source == name))


# --- HTML --------------------------------------------------------------------------------


def test_html_definition_lists_keep_their_terms() -> None:
    html = (
        "<p>Accounts:</p><dl><dt>daemon</dt><dd>Runs background services. Nothing else may "
        "run as this user.</dd><dt>backup</dt><dd><p>Owns the nightly archives.</p><p>Keep "
        "its home private.</p></dd><dt>-q</dt><dt>--quiet</dt><dd>Print nothing.</dd>"
        "<dt>Layout:</dt><dd><pre>/srv/data</pre></dd><dt>orphan</dt></dl><p>After.</p>"
    )
    assert _texts(html_blocks(html)) == [
        "Accounts:",
        "daemon: Runs background services. Nothing else may run as this user.",
        "backup: Owns the nightly archives.",
        "Keep its home private.",
        "-q, --quiet: Print nothing.",
        "Layout:",
        "/srv/data",
        "orphan",
        "After.",
    ]


def test_html_api_entries_and_man_page_tags_keep_the_signature_as_term() -> None:
    sphinx = (
        '<dl class="c function"><dt class="sig" id="f">void *<span>pool_grab</span>(size_t '
        'n)<a class="headerlink" href="#f">¶</a></dt><dd><p>Take n bytes from the pool.</p>'
        "</dd></dl>"
    )
    mandoc = (
        '<dl class="Bl-tag"><dt><a class="permalink" href="#r"><b>-r</b></a></dt>'
        "<dd>Read again.</dd></dl>"
    )
    assert _texts(html_blocks(sphinx)) == ["void *pool_grab(size_t n): Take n bytes from the pool."]
    groff = (
        '<table width="100%" border="0" rules="none" frame="void"><tr valign="top"><td '
        'width="11%"></td><td width="3%"><p><b>-r</b></p></td><td width="8%"></td><td><p>Read '
        "again.</p></td></tr><tr><td></td><td><p>Alone.</p></td></tr></table>"
    )
    assert _texts(html_blocks(mandoc)) == ["-r: Read again."]
    assert _texts(html_blocks(groff)) == ["-r: Read again.", "Alone."]


def test_html_admonitions_keep_their_label() -> None:
    html = (
        '<div class="admonition note"><p class="admonition-title">Note</p><p>Tea is hot.</p>'
        '<p>Wait a minute.</p></div><div class="admonition warning"><p class="admonition-title">'
        'Warning:</p><ul><li>one</li><li>two</li></ul></div><div class="markdown-alert '
        'markdown-alert-tip"><p class="markdown-alert-title">Tip</p><p>Use a lid.</p></div>'
    )
    assert _texts(html_blocks(html)) == [
        "Note: Tea is hot.",
        "Wait a minute.",
        "Warning: one\ntwo",
        "Tip: Use a lid.",
    ]


def test_html_tables_of_contents_navigation_and_permalinks_are_dropped() -> None:
    html = (
        '<div class="sphinxsidebar" role="navigation"><h3>Table of Contents</h3><ul><li>Setup'
        '</li></ul></div><div class="toc"><dl><dt>1. Setup</dt><dd><dl><dt>1.1. Fill</dt></dl>'
        '</dd></dl></div><h1>Setup<a class="headerlink" href="#setup">¶</a></h1><div '
        'class="toctree-wrapper"><ul><li>Fill</li></ul></div><p>Fill the kettle.</p>'
    )
    assert _texts(html_blocks(html)) == ["Setup", "Fill the kettle."]


def test_a_table_of_contents_loses_its_links_not_the_document_it_holds() -> None:
    """Sphinx's single-page HTML (Debian's python-policy.html) puts every chapter inside the
    toctree-wrapper: only its list of links goes."""
    html = (
        '<div class="toctree-wrapper compound"><ul><li><a href="#c">1. Copyright</a></li></ul>'
        '<section id="c"><h2>1. Copyright</h2><p>Kept text.</p></section></div>'
    )
    assert _texts(html_blocks(html)) == ["1. Copyright", "Kept text."]


def test_texinfo_anchors_are_dropped_from_api_entries() -> None:
    """texinfo 6 (Debian's libffi manual) marks an entry's anchor "¶" as copiable-anchor."""
    html = (
        "<dl><dt><span>Function: void *pool_grab (size_t n)<a href='#x' class='copiable-anchor'>"
        " &para;</a></span></dt><dd><p>Take n bytes.</p></dd></dl>"
    )
    assert _texts(html_blocks(html)) == ["Function: void *pool_grab (size_t n): Take n bytes."]


def test_a_term_and_its_definition_are_one_sentence() -> None:
    """The chunker never splits between the term and its definition."""
    unit = html_blocks("<dl><dt>Retries.</dt><dd>Three. Then it stops.</dd></dl>").texts()[0]
    assert unit == "Retries.: Three. Then it stops."
    first = split_sentences(unit)[0]
    assert unit[first[0] : first[1]] == "Retries.: Three."


# --- Markdown and MyST ---------------------------------------------------------------------

MYST = """(intro-target)=
% a comment the reader never sees
# Kettles

daemon
: Runs background services.

  Nothing else may run as this user.

:Version: 2.0

```{note} Water boils at 100 °C.
At sea level.
```

:::{warning}
:class: strong
Do not touch the spout.
:::

```{code-block} python
:linenos:
kettle.fill(litres=1)
```

```{toctree}
:maxdepth: 2
install
```

```{literalinclude} ../src/kettle.py
```

```{py:function} boil(litres)
Heat the water.
```

```{versionadded} 1.4
The whistle.
```

```{glossary}
kettle
pot
  A vessel for water.

  Often *electric*.

spout
  Where it pours.
```

```{click:example}
@command()
def boil():
    pass
```

```{tabbed} Linux
Use the package.
```

```{eval-rst}
.. note:: Written in *reStructuredText*.
```

> [!CAUTION]
> The base gets hot.

!!! tip "Descaling"
    Use vinegar.

- a list item

  ```{note}
  Inside the *list*.
  ```
"""


def test_myst_markdown_reads_as_its_text() -> None:
    blocks = markdown_blocks(MYST)
    assert _texts(blocks) == [
        "Kettles",
        "daemon: Runs background services.",
        "Nothing else may run as this user.",
        "Version: 2.0",
        "Note: Water boils at 100 °C.",
        "At sea level.",
        "Warning: Do not touch the spout.",
        "kettle.fill(litres=1)",
        "boil(litres): Heat the water.",
        "Added in version 1.4: The whistle.",
        "kettle, pot: A vessel for water.",
        "Often electric.",
        "spout: Where it pours.",
        "@command()\ndef boil():\n    pass",
        "Use the package.",
        "Note: Written in reStructuredText.",
        "Caution: The base gets hot.",
        "Descaling: Use vinegar.",
        "- a list item\nNote: Inside the list.",
    ]
    assert _code(blocks) == ["kettle.fill(litres=1)", "@command()\ndef boil():\n    pass"]


def test_directives_nested_past_the_limit_are_read_as_text_quickly() -> None:
    source = "".join(":" * (200 - i) + "{note}\n" for i in range(150)) + "deep\n"
    started = time.perf_counter()
    texts = _texts(markdown_blocks(source))
    assert time.perf_counter() - started < 5
    assert texts[0].startswith("Note: Note: Note:") and texts[-1].endswith("deep")


# --- reStructuredText --------------------------------------------------------------------

RST = """.. A comment nobody reads.

=======
Kettles
=======

Read :ref:`the safety page <safety>` and call :py:func:`~kettle.api.boil`; see :pep:`8`.

Accounts
========

daemon
   Runs background services.

   Nothing else may run as this user.

litres : float
   How much water.

:Version: 2.0
:Author: The kettle team

-q, --quiet       Print nothing.
-o FILE           Write to FILE.

* fill
* boil

  1. wait
  2. pour

.. note:: Water boils at 100 °C.

   At sea level.

.. admonition:: Descaling

   Use vinegar.

.. seealso:: The manual,
   chapter two.

.. function:: fill(litres)
              fill(litres, hot)
   :noindex:

   Fill the kettle.

.. versionchanged:: 1.4 The whistle is louder.

.. toctree::
   :maxdepth: 2

   install

.. code-block:: python
   :linenos:

   kettle.fill(litres=1)

::

   $ kettle --boil

.. c:function:: int kettle_boil(int litres)

   Heat the water.

.. contents::

.. only:: html

   Shown on the web.

=====  ======
Size   Litres
=====  ======
small  1
large  2
=====  ======

The |brand| kettle [#f1]_.

+-----+---+
| bad | table
+-----+---+

.. |brand| replace:: Steamy
.. [#f1] Made in 2020.
.. image:: kettle.png
"""


def test_restructured_text_reads_as_its_text(docs_dir: Path) -> None:
    doc = _load(docs_dir, "kettles.rst", RST)
    assert doc.title == "Kettles"
    assert doc.text.split("\n\n") == [
        "Kettles",
        "Read the safety page and call boil; see PEP 8.",
        "Accounts",
        "daemon: Runs background services.",
        "Nothing else may run as this user.",
        "litres (float): How much water.",
        "Version: 2.0",
        "Author: The kettle team",
        "-q, --quiet: Print nothing.",
        "-o FILE: Write to FILE.",
        "- fill\n- boil\n1) wait\n2) pour",
        "Note: Water boils at 100 °C.",
        "At sea level.",
        "Descaling: Use vinegar.",
        "See also: The manual, chapter two.",
        "fill(litres), fill(litres, hot): Fill the kettle.",
        "Changed in version 1.4: The whistle is louder.",
        "kettle.fill(litres=1)",
        "$ kettle --boil",
        "int kettle_boil(int litres): Heat the water.",
        "Shown on the web.",
        "Size | Litres\nsmall | 1\nlarge | 2",
        "The Steamy kettle [1].",
        "+-----+---+\n| bad | table\n+-----+---+",
        "[1]: Made in 2020.",
    ]
    assert [s.heading for s in doc.sections] == ["Kettles", "Accounts"]
    assert [doc.text[a:b] for a, b in doc.code][:2] == ["kettle.fill(litres=1)", "$ kettle --boil"]


def test_the_chunker_quotes_a_definition_with_its_term(docs_dir: Path) -> None:
    doc = _load(docs_dir, "kettles.rst", RST)
    sentences = [s for chunk in chunk_document(doc) for s in chunk.sentence_texts()]
    assert "daemon: Runs background services." in sentences
    assert "-q, --quiet: Print nothing." in sentences
    assert "int kettle_boil(int litres): Heat the water." in sentences


def test_restructured_text_reads_no_other_file_and_writes_no_warning(
    docs_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("The vault code is 4711.\n")
    text = "\n\n".join(
        (
            f".. include:: {secret}",
            f".. literalinclude:: {secret}",
            f".. raw:: html\n   :file: {secret}",
            f".. csv-table::\n   :file: {secret}",
            ".. raw:: html\n\n   <script>alert(1)</script>",
            "Text :unknown:`role` and `unclosed.",
            ".. unknown-directive:: argument\n\n   Body of it.",
        )
    )
    doc = _load(docs_dir, "hostile.rst", text)
    assert "4711" not in doc.text and "script" not in doc.text and "alert" not in doc.text
    assert doc.text.split("\n\n") == ["Text role and `unclosed.", "Body of it."]
    assert capsys.readouterr() == ("", "")


def test_hostile_restructured_text_is_read_or_skipped_within_seconds() -> None:
    deep = "\n\n".join(" " * i + f"Level {i}." for i in range(60))
    started = time.perf_counter()
    assert _texts(rst_blocks(deep))[-1] == "Level 59."
    with pytest.raises(SkipFile, match="a line of 5,000,000 characters"):
        rst_blocks("word " * 1_000_000)
    deeper = "\n\n".join(" " * i + f"Level {i}." for i in range(400))
    with pytest.raises(RecursionError):  # the loader skips it: "unreadable markup"
        rst_blocks(deeper)
    assert time.perf_counter() - started < 10


def test_restructured_text_nested_too_deep_is_skipped_with_a_reason(docs_dir: Path) -> None:
    (docs_dir / "deep.rst").write_text("\n\n".join(" " * i + "x" for i in range(400)))
    files, _ = scan(docs_dir)
    with pytest.raises(SkipFile, match="unreadable markup"):
        load(files[0])


def test_rst_is_listed_as_supported(docs_dir: Path) -> None:
    (docs_dir / "notes.adoc").write_text("= Title")
    _, skipped = scan(docs_dir)
    assert ".rst" in skipped[0].reason
