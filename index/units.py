"""Answer units: what an answer can quote. Each sentence of a chunk is a unit, together with
its predecessor when it leans on it (it starts with a pronoun such as "They"/"This", or is too
short to stand alone), so "They will be managed by oblast Akims" is judged and quoted with the
sentence that says who "they" are.

Unit vectors are computed once, at build time, and stored with the index (``disk.UNITS``):
answering a question then encodes only the question. With the torch runtime
(``index.bert``) a unit's vector is the mean of its tokens' vectors from its chunk's forward
pass ("span" pooling, recorded in the manifest), so units cost no extra model time.
"""

from __future__ import annotations

from index.chunking import Chunk
from index.text import WORD, sentence_spans

UNITS_VERSION = 1  # bump when the rule changes: stored unit vectors are then recomputed
SHORT_WORDS = 5  # a sentence of fewer words cannot stand alone
LEANING = frozenset(
    "it its they them their these those this that he she his her him such there both"
    " then however but also".split()
)


def leans_on_previous(sentence: str) -> bool:
    """True when a sentence needs the one before it: a leading pronoun, or very short."""
    words = WORD.findall(sentence)
    if len(words) < SHORT_WORDS:
        return True
    return words[0].lower() in LEANING


def unit_bounds(chunk: Chunk) -> list[tuple[int, int]]:
    """(first, last) sentence of the unit ending at each sentence of ``chunk``, in order."""
    spans = sentence_spans(chunk)
    return [
        (i - 1 if i > 0 and leans_on_previous(chunk.text[a:b]) else i, i)
        for i, (a, b) in enumerate(spans)
    ]


def unit_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """Character span of each unit of ``chunk`` in ``chunk.text``; unit ``i`` ends with
    sentence ``i``."""
    spans = sentence_spans(chunk)
    return [(spans[first][0], spans[last][1]) for first, last in unit_bounds(chunk)]
