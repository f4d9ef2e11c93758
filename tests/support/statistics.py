"""Collection statistics computed from chunks, for hand-made passages not in an index: the
oracle ``Index.stats`` (read from the BM25 term matrix) is checked against."""

from __future__ import annotations

from collections.abc import Iterable

from index.chunking import Chunk
from index.statistics import Stats
from index.text import tokenize


def collection_stats(chunks: Iterable[Chunk], titles: bool = False) -> Stats:
    """The statistics over what BM25 reads (``Chunk.search_text``: with the document's title
    when ``titles``)."""
    df: dict[str, int] = {}
    per_source: dict[str, set[str]] = {}
    n = 0
    for chunk in chunks:
        n += 1
        terms = set(tokenize(chunk.search_text(titles)))
        per_source.setdefault(chunk.source, set()).update(terms)
        for term in terms:
            df[term] = df.get(term, 0) + 1
    return Stats(
        n,
        lambda term: df.get(term, 0),
        lambda term, source: term in per_source.get(source, set()),
    )
