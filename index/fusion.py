"""Fusing dense and sparse rankings into one.

The default is a min-max normalised score blend, ``weight * dense + (1 - weight) * sparse``
over the union of both candidate lists, with weight 0.5: chosen over three kinds of collection
together (news, Wikipedia articles among news, SciFact train; benchmarks/retrieval.py and
benchmarks/RESULTS.md, issue 12). SciFact alone preferred 0.7 by 0.004 nDCG@10 on train, which
cost the news and Wikipedia sets 1-2 points of top-3 accuracy. Reciprocal rank fusion is kept
as the alternative (``method="rrf"``); it trailed the blend on every collection.
"""

from __future__ import annotations

import numpy as np

METHODS = ("blend", "rrf")


def minmax(x: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant vector becomes all ones (every candidate equally good)."""
    if x.size == 0:
        return x.astype(np.float32)
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-12:
        return np.ones_like(x, dtype=np.float32)
    return ((x - lo) / (hi - lo)).astype(np.float32)


def blend(dense: np.ndarray, sparse: np.ndarray, weight: float) -> np.ndarray:
    """Fused scores of the same candidates, given their raw dense and sparse scores."""
    if not np.any(sparse > 0):
        return minmax(dense)
    return weight * minmax(dense) + (1.0 - weight) * minmax(sparse)


def rrf(dense: np.ndarray, sparse: np.ndarray, k: float = 60.0) -> np.ndarray:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over both rankings (rank from 1)."""
    fused = np.zeros(len(dense), dtype=np.float32)
    for scores in (dense, sparse):
        order = np.argsort(-scores, kind="stable")
        ranks = np.empty(len(scores), dtype=np.float32)
        ranks[order] = np.arange(1, len(scores) + 1)
        contribution = 1.0 / (k + ranks)
        if scores is sparse:
            contribution[scores <= 0] = 0.0  # no matching term: not in the sparse ranking
        fused += contribution
    return fused


def fuse(dense: np.ndarray, sparse: np.ndarray, method: str, param: float) -> np.ndarray:
    if method == "blend":
        return blend(dense, sparse, param)
    if method == "rrf":
        return rrf(dense, sparse, param)
    raise ValueError(f"unknown fusion {method!r}; use one of {', '.join(METHODS)}")
