"""A BERT sentence encoder in plain torch, for sentence-transformers folders that are a BERT
model + mean pooling (+ normalisation), such as all-MiniLM-L6-v2.

Why: importing sentence-transformers (and the transformers and scikit-learn it pulls in) took
~5 of the ~8 seconds a fresh ``docbot ask`` needed, and this path also exposes each token's
vector with its character offsets, so the build can pool a sentence's vector out of its
passage's forward pass instead of running the model again per sentence (``encode_spans``).

It reads ``model.safetensors`` with safetensors and ``tokenizer.json`` with tokenizers, and
computes what ``SentenceTransformer.encode(..., normalize_embeddings=True)`` computes (tested
against it to 1e-5). Folders it cannot run (another architecture or pooling) return ``None``
from :func:`load_bert`, and the caller falls back to sentence-transformers. ``index.e5`` runs
multilingual-e5-small through the same :class:`BertEncoder` with its own weights and tokens.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.spans import Span

WEIGHTS = "model.safetensors"
TOKENIZER = "tokenizer.json"
BATCH = 32


@dataclass(frozen=True)
class BertConfig:
    layers: int
    heads: int
    hidden: int
    eps: float
    max_tokens: int  # sentence-transformers' max_seq_length (truncation)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def plain_bert_config(folder: Path) -> BertConfig | None:
    """The model's shape when ``folder`` is a BERT + mean-pooling sentence-transformers folder
    this module can run exactly; None otherwise."""
    try:
        modules = _read_json(folder / "modules.json")
        config = _read_json(folder / "config.json")
        st_config = _read_json(folder / "sentence_bert_config.json")
    except (OSError, ValueError):
        return None
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    if modules[0].get("path", "") not in ("", "."):
        return None
    try:
        pooling = _read_json(folder / modules[1]["path"] / "config.json")
    except (OSError, ValueError, KeyError):
        return None
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        v
        for k, v in pooling.items()
        if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    )
    plain = (
        config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and not st_config.get("do_lower_case", False)
        and (folder / WEIGHTS).is_file()
        and (folder / TOKENIZER).is_file()
    )
    if not (mean_only and plain):
        return None
    max_positions = int(config.get("max_position_embeddings", 512))
    return BertConfig(
        layers=int(config["num_hidden_layers"]),
        heads=int(config["num_attention_heads"]),
        hidden=int(config["hidden_size"]),
        eps=float(config.get("layer_norm_eps", 1e-12)),
        max_tokens=min(int(st_config.get("max_seq_length") or max_positions), max_positions),
    )


@dataclass(frozen=True)
class Tokens:
    """One text as the model reads it: token ids, and for each token the characters
    [start, end) of the caller's text it covers (``real``: a token of the text, not a special
    or added one)."""

    ids: Sequence[int]
    offsets: np.ndarray  # (tokens, 2), int64
    real: np.ndarray  # (tokens,), bool


Tokenize = Callable[[Sequence[str]], list[Tokens]]


class BertEncoder:
    """Token vectors, text vectors and span vectors from one forward pass (CPU, no grad).

    ``weights`` are float32 tensors under the names of a BERT checkpoint without its
    ``bert.`` prefix (the word table may be any object whose ``[ids]`` gives the rows);
    ``tokenize`` turns texts into :class:`Tokens` within the model's window."""

    def __init__(self, weights: Mapping[str, Any], tokenize: Tokenize, config: BertConfig) -> None:
        import torch

        self.config = config
        self.dimension = config.hidden
        self._w = weights
        self._tokenize = tokenize
        self._torch = torch

    # --- the model ---------------------------------------------------------------------

    def _layer_norm(self, x: Any, name: str) -> Any:
        f = self._torch.nn.functional
        return f.layer_norm(
            x,
            (self.dimension,),
            self._w[name + ".weight"],
            self._w[name + ".bias"],
            self.config.eps,
        )

    def _linear(self, x: Any, name: str) -> Any:
        return self._torch.nn.functional.linear(
            x, self._w[name + ".weight"], self._w[name + ".bias"]
        )

    def _forward(self, ids: Any, mask: Any) -> Any:
        """Last hidden states, (batch, tokens, hidden)."""
        torch, w, f = self._torch, self._w, self._torch.nn.functional
        batch, length = ids.shape
        positions = torch.arange(length)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][positions]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._layer_norm(x, "embeddings.LayerNorm")
        heads, size = self.config.heads, self.dimension // self.config.heads
        keep = mask[:, None, None, :].bool()  # attend to real tokens only

        def split(t: Any) -> Any:
            return t.view(batch, length, heads, size).transpose(1, 2)

        for i in range(self.config.layers):
            p = f"encoder.layer.{i}."
            q = split(self._linear(x, p + "attention.self.query"))
            k = split(self._linear(x, p + "attention.self.key"))
            v = split(self._linear(x, p + "attention.self.value"))
            context = f.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            context = context.transpose(1, 2).reshape(batch, length, self.dimension)
            x = self._layer_norm(
                x + self._linear(context, p + "attention.output.dense"),
                p + "attention.output.LayerNorm",
            )
            h = f.gelu(self._linear(x, p + "intermediate.dense"))
            x = self._layer_norm(x + self._linear(h, p + "output.dense"), p + "output.LayerNorm")
        return x

    # --- encoding ----------------------------------------------------------------------

    def tokens(self, texts: Sequence[str]) -> list[Tokens]:
        """The tokens (ids, character offsets) of ``texts``."""
        return self._tokenize(texts)

    def encode(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Normalised mean-pooled vector of each text, and (when ``spans`` is given) for each
        text the normalised mean of the token vectors inside each span, from the same pass.

        A span with no token inside the model's window (truncated away, or empty) gets a NaN
        row; :func:`index.embedding.fill_spans` encodes those texts on their own.
        """
        torch = self._torch
        n = len(texts)
        out = np.zeros((n, self.dimension), dtype=np.float32)
        span_out: list[np.ndarray] = [
            np.zeros((len(s), self.dimension), dtype=np.float32) for s in (spans or [[]] * n)
        ]
        encodings = self.tokens(texts)
        order = sorted(range(n), key=lambda i: -len(encodings[i].ids))
        with torch.inference_mode():
            for lo in range(0, n, BATCH):
                ids_ = order[lo : lo + BATCH]
                length = max(len(encodings[i].ids) for i in ids_)
                ids = torch.zeros((len(ids_), length), dtype=torch.long)
                mask = torch.zeros((len(ids_), length), dtype=torch.long)
                for row, i in enumerate(ids_):
                    e = encodings[i].ids
                    ids[row, : len(e)] = torch.tensor(e, dtype=torch.long)
                    mask[row, : len(e)] = 1
                hidden = self._forward(ids, mask)
                m = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
                out[ids_] = torch.nn.functional.normalize(pooled, dim=1).numpy()
                if spans is not None:
                    states = hidden.numpy()
                    for row, i in enumerate(ids_):
                        span_out[i] = _pool_spans(
                            states[row], encodings[i], spans[i], self.dimension
                        )
                if progress:
                    progress(len(ids_))
        return out, span_out


def _pool_spans(
    states: np.ndarray, tokens: Tokens, spans: Sequence[Span], dimension: int
) -> np.ndarray:
    """Mean of the real tokens whose characters lie inside each span, normalised."""
    offsets, real = tokens.offsets, tokens.real
    rows = np.full((len(spans), dimension), np.nan, dtype=np.float32)
    for j, (a, b) in enumerate(spans):
        inside = real & (offsets[:, 0] >= a) & (offsets[:, 1] <= b)
        if inside.any():
            v = states[: len(offsets)][inside].mean(0)
            norm = float(np.linalg.norm(v))
            if norm > 0 and math.isfinite(norm):
                rows[j] = v / norm
    return rows


def _folder_tokenize(folder: Path, max_tokens: int) -> Tokenize:
    """The folder's tokenizer.json, cut at ``max_tokens``; texts are read stripped, as
    sentence-transformers reads them (offsets are shifted back onto the unstripped text)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)

    def tokenize(texts: Sequence[str]) -> list[Tokens]:
        out = []
        for text, e in zip(texts, tokenizer.encode_batch([t.strip() for t in texts]), strict=True):
            shift = len(text) - len(text.lstrip())
            offsets = np.asarray(e.offsets, dtype=np.int64).reshape(-1, 2) + shift
            special = np.asarray(e.special_tokens_mask, dtype=bool)
            out.append(Tokens(e.ids, offsets, ~special & (offsets[:, 1] > offsets[:, 0])))
        return out

    return tokenize


def load_bert(folder: Path) -> BertEncoder | None:
    """A :class:`BertEncoder` for ``folder``, or None when the folder is not plain BERT."""
    config = plain_bert_config(folder)
    if config is None:
        return None
    from safetensors.torch import load_file

    raw = load_file(str(folder / WEIGHTS))
    weights = {k.removeprefix("bert."): v.float() for k, v in raw.items()}
    return BertEncoder(weights, _folder_tokenize(folder, config.max_tokens), config)
