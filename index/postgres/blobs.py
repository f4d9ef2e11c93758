"""What the PostgreSQL store keeps as bytes: the BM25 index (the bm25s folder as a tar) and a
chunk's answer-unit vectors (float16, row after row)."""

from __future__ import annotations

import io
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from index.sparse import SparseIndex


def sparse_blob(sparse: SparseIndex) -> bytes:
    with tempfile.TemporaryDirectory(prefix="docbot-bm25-") as tmp:
        sparse.save(Path(tmp))
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for path in sorted(Path(tmp).iterdir()):
                tar.add(path, arcname=path.name)
        return buffer.getvalue()


def sparse_from_blob(blob: bytes) -> SparseIndex:
    with tempfile.TemporaryDirectory(prefix="docbot-bm25-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r") as tar:
            tar.extractall(tmp, filter="data")
        return SparseIndex.load(Path(tmp))


def units_blob(block: np.ndarray) -> bytes:
    return np.ascontiguousarray(block, dtype="<f2").tobytes()


def units_from_blob(blob: bytes, dimension: int) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f2").reshape(-1, dimension)
