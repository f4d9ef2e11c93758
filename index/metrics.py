"""Retrieval metrics over one ranked list of ids and a set of relevant ids (binary relevance).

Conventions, the same in every function:
- A duplicate id counts once, at its first (best) position; later copies are dropped before the
  cut-off, so a list cannot earn credit twice for one document.
- With no relevant ids the query has nothing to find: every metric is 0.0. Callers computing
  averages should leave such queries out (``docbot eval`` does).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence


def unique(ranked: Iterable[str]) -> list[str]:
    """``ranked`` without repeated ids, first occurrence kept."""
    seen: set[str] = set()
    out: list[str] = []
    for i in ranked:
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


def hit_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """1.0 when a relevant id is among the first ``k``, else 0.0."""
    return 1.0 if any(i in relevant for i in unique(ranked)[:k]) else 0.0


def mrr_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """1 / rank of the first relevant id within the first ``k`` (0.0 when there is none)."""
    for rank, i in enumerate(unique(ranked)[:k], start=1):
        if i in relevant:
            return 1.0 / rank
    return 0.0


def recall_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Share of the relevant ids found among the first ``k``."""
    if not relevant:
        return 0.0
    found = sum(1 for i in unique(ranked)[:k] if i in relevant)
    return found / len(set(relevant))


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Binary nDCG: DCG of the first ``k`` over the DCG of a perfect ranking."""
    ideal_hits = min(k, len(set(relevant)))
    if ideal_hits == 0:
        return 0.0
    dcg = sum(
        1.0 / math.log2(rank + 1)
        for rank, i in enumerate(unique(ranked)[:k], start=1)
        if i in relevant
    )
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_hits + 1))
    return dcg / idcg


def mean(values: Iterable[float]) -> float | None:
    """Average, or None for no values (a figure that cannot be computed)."""
    items = list(values)
    return sum(items) / len(items) if items else None
