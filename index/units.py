"""Answer units: what an answer can quote. Each sentence of a chunk is a unit, together with
its predecessor when it leans on it (it starts with a pronoun such as "They"/"This", or is too
short to stand alone), so "They will be managed by oblast Akims" is judged and quoted with the
sentence that says who "they" are.

Code is read with what introduces it: a line of a code block is a unit together with the lines
above it in its block (at most ``CODE_LINES``) and the sentence that introduces the block
("... for instance:" then "@click.option('-v', count=True)"); a sentence right after a short
block (an API reference's signature) is a unit with that block.

A definition ("TERM: text") stands alone however short; a field of a reference entry ("Default:
None", "Returns: ...") is a unit with its entry, from the entry's term when that is near.

A table row (``Chunk.rows``) is a unit of its own, however short: its cells carry their column
headers, and the row before it is another record.

Unit vectors are computed once, at build time, and stored with the index (``disk.UNITS``):
answering a question then encodes only the question. With the torch runtime
(``index.bert``) a unit's vector is the mean of its tokens' vectors from its chunk's forward
pass ("span" pooling, recorded in the manifest), so units cost no extra model time.
"""

from __future__ import annotations

import re

from index.chunking import Chunk
from index.text import LIST_MARKER, WORD, sentence_spans

UNITS_VERSION = 5  # bump when the rule changes: stored unit vectors are then recomputed
# (3: Russian and Kazakh leaning words; 4: a definition stands alone; 5: fields join their entry)
SHORT_WORDS = 5  # a sentence of fewer words cannot stand alone
CODE_LINES = 6  # a code line's unit reaches back this many lines of its block at most
SIGNATURE_LINES = 3  # a block this short is what the sentence right after it describes
LEANING = frozenset(
    "it its they them their these those this that he she his her him such there both"
    " then however but also".split()
    # Russian: he, she, it, they, his/its, her, their, this, these, that, those, such, also,
    # however, but, therefore
    + "он она оно они его её ее их это этот эта эти этого тот та те такой также однако но"
    " поэтому".split()
    # Kazakh: he/she/it, its, they, this, that, here, however, but, therefore
    + "ол оның оны олар бұл осы сол мұнда алайда бірақ сондықтан".split()
)


# A definition as the markup readers write one (``index.markup``), maybe as a list item: its
# term, a colon, its text ("-t --test: Check integrity ...", "%r: The number of running edges",
# "- nargs: Sets the number of arguments.").
_DEFINITION = re.compile(rf"(?:{LIST_MARKER})?([^\s:][^:\n]{{0,47}}?):\s+\S")
TERM_WORDS = 4  # a longer text before a colon is a sentence's ("... can be estimated as: ...")


# What a reference entry says of its term in a field of its own ("Default: None", "Type: int",
# "Returns: the new parser"): the field belongs to the entry above it and defines nothing.
FIELD_LABELS = frozenset(
    "default|defaults|default value|type|types|value type|choices|values|allowed values|range"
    "|unit|units|required|returns|return type|return value|raises|throws|since|deprecated"
    "|environment variable|env|aliases|example|examples".split("|")
)
FIELD_REACH = 8  # a field's unit reaches back to its entry's term this many sentences at most,
FIELD_CHARS = 600  # and this many characters


def field_label(sentence: str) -> str | None:
    """The label of a reference entry's field ("Default" of "Default: None"), or None."""
    label = _before_colon(sentence)
    return label if label is not None and _is_field(label) else None


def definition_term(sentence: str) -> str | None:
    """The term ``sentence`` defines, or None when it is not a definition (nor a field)."""
    term = _before_colon(sentence)
    if term is None or len(term.split()) > TERM_WORDS or _is_field(term):
        return None
    return term


def _before_colon(sentence: str) -> str | None:
    m = _DEFINITION.match(sentence)
    return m.group(1) if m else None


def _is_field(label: str) -> bool:
    return label.strip().lower() in FIELD_LABELS


def leans_on_previous(sentence: str) -> bool:
    """True when a sentence needs the one before it: a field of an entry, a leading pronoun,
    or very short (a definition never: its term says what it is about)."""
    if field_label(sentence) is not None:
        return True
    if definition_term(sentence) is not None:
        return False
    words = WORD.findall(sentence)
    if len(words) < SHORT_WORDS:
        return True
    return words[0].lower() in LEANING


def unit_bounds(chunk: Chunk) -> list[tuple[int, int]]:
    """(first, last) sentence of the unit ending at each sentence of ``chunk``, in order."""
    spans = sentence_spans(chunk)
    code = frozenset(chunk.code)
    rows = frozenset(chunk.rows)
    bounds: list[tuple[int, int]] = []
    block = start = 0  # the open code block's first line, and where its units start
    for i, (a, b) in enumerate(spans):
        after_code = i > 0 and i - 1 in code
        if i in code:
            if not after_code:
                block, start = i, max(i - 1, 0)  # from the sentence introducing it
            bounds.append((max(start, i - CODE_LINES), i))
        elif i in rows:  # a table row stands alone: its cells carry their headers
            bounds.append((i, i))
        elif after_code and i - block <= SIGNATURE_LINES:
            bounds.append((block, i))
        elif field_label(chunk.text[a:b]) is not None:
            bounds.append((_entry_start(chunk, i, code), i))
        else:
            bounds.append((i - 1 if i > 0 and leans_on_previous(chunk.text[a:b]) else i, i))
    return bounds


def _entry_start(chunk: Chunk, i: int, code: frozenset[int]) -> int:
    """Where the entry that field ``i`` belongs to starts: the nearest definition ("TERM: text")
    at most ``FIELD_REACH`` sentences and ``FIELD_CHARS`` characters above it, with no code
    between; else the sentence before."""
    spans = sentence_spans(chunk)
    end = spans[i][1]
    for j in range(i - 1, max(i - FIELD_REACH, 0) - 1, -1):
        if j in code or end - spans[j][0] > FIELD_CHARS:
            break
        a, b = spans[j]
        if definition_term(chunk.text[a:b]) is not None:
            return j
    return max(i - 1, 0)


def unit_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """Character span of each unit of ``chunk`` in ``chunk.text``; unit ``i`` ends with
    sentence ``i``."""
    spans = sentence_spans(chunk)
    return [(spans[first][0], spans[last][1]) for first, last in unit_bounds(chunk)]
