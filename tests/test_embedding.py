"""The two model runtimes: plain-torch BERT (``index.bert``) and sentence-transformers.

The torch runtime must give the vectors sentence-transformers gives, pool sentence vectors
from a passage's forward pass, fall back cleanly for folders it cannot run, and keep
sentence-transformers out of the import path of a plain ``docbot ask``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.fakes import FakeEmbedder
from support.paths import ROOT

from index.bert import plain_bert_config
from index.embedding import (
    SentenceTransformerEmbedder,
    TorchBertEmbedder,
    encode_with_spans,
    fill_spans,
    load_embedder,
    missing_spans,
    resolve_model,
    unit_pooling,
)
from index.errors import ModelLoadError

TEXTS = [
    "Who manages regional commissions?",
    "  They will be managed by oblast Akims (Governors).  ",
    "Astana, Kazakhstan: the Anti-Terrorist Commission met on Tuesday.",
    "Café, naïve, Zürich — 東京 and emoji 🙂 in one line.",
    "x",
    "word " * 400,  # longer than the model's 256-token window: truncated the same way
]


@pytest.fixture(scope="module")
def st_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(None, threads=1)


def test_the_default_model_runs_on_plain_torch(
    real_embedder: TorchBertEmbedder | SentenceTransformerEmbedder,
) -> None:
    assert isinstance(real_embedder, TorchBertEmbedder)
    assert real_embedder.dimension == 384
    assert unit_pooling(real_embedder) == "span"


def test_torch_runtime_gives_sentence_transformers_vectors(
    real_embedder: TorchBertEmbedder | SentenceTransformerEmbedder,
    st_embedder: SentenceTransformerEmbedder,
) -> None:
    ours = real_embedder.encode(TEXTS)
    theirs = st_embedder.encode(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    assert float(np.abs(ours - theirs).max()) < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # order and batching do not change a text's vector
    again = real_embedder.encode(list(reversed(TEXTS)))[::-1]
    assert float(np.abs(again - ours).max()) < 1e-5


def test_span_vectors_come_from_the_same_pass_and_mean_something(
    real_embedder: TorchBertEmbedder | SentenceTransformerEmbedder,
) -> None:
    text = (
        "The commission met in Astana on Tuesday. "
        "Regional commissions will be managed by oblast governors. "
        "The weather was cold and snowy all week."
    )
    first = text.index("Regional")
    second = text.index("The weather")
    spans = [(0, first - 1), (first, second - 1), (second, len(text))]
    vectors, pooled = encode_with_spans(real_embedder, [text], [spans])
    assert np.allclose(vectors[0], real_embedder.encode([text])[0], atol=1e-5)
    rows = pooled[0]
    assert rows.shape == (3, 384) and not np.isnan(rows).any()
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    question = real_embedder.encode(["Who manages the regional commissions?"])[0]
    assert int(np.argmax(rows @ question)) == 1
    weather = real_embedder.encode(["How was the weather?"])[0]
    assert int(np.argmax(rows @ weather)) == 2


def test_a_span_cut_off_by_the_window_is_encoded_on_its_own(
    real_embedder: TorchBertEmbedder | SentenceTransformerEmbedder,
) -> None:
    head = "alpha beta gamma. " * 150  # ~600 tokens: the model reads the first 256
    tail = "The zebra crossing is painted white."
    text = head + tail
    spans = [(0, 17), (len(head), len(text))]
    _, pooled = encode_with_spans(real_embedder, [text], [spans])
    assert not np.isnan(pooled[0][0]).any()
    assert np.isnan(pooled[0][1]).all()
    todo = missing_spans([text], [spans], pooled)
    assert list(todo) == [tail]
    fill_spans(real_embedder, todo, pooled)
    assert np.allclose(pooled[0][1], real_embedder.encode([tail])[0], atol=1e-5)


def test_an_embedder_without_spans_encodes_them_separately() -> None:
    fake = FakeEmbedder()
    text = "Red apples grow here. Blue whales swim there."
    spans = [(0, 21), (22, len(text))]
    vectors, pooled = encode_with_spans(fake, [text], [spans])
    assert unit_pooling(fake) == "separate"
    todo = missing_spans([text], [spans], pooled)
    assert set(todo) == {"Red apples grow here.", "Blue whales swim there."}
    fill_spans(fake, todo, pooled)
    assert np.allclose(pooled[0], fake.encode([text[a:b] for a, b in spans]))
    assert np.allclose(vectors, fake.encode([text]))


def _model_copy(tmp_path: Path, pooling: dict[str, bool]) -> Path:
    """The bundled model folder with another pooling config (weights linked, not copied)."""
    source = Path(resolve_model(None)[1])
    folder = tmp_path / "model"
    folder.mkdir(parents=True)
    for item in source.iterdir():
        if item.is_file():
            (folder / item.name).symlink_to(item)
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": 384, **pooling})
    )
    return folder


@pytest.mark.model
def test_other_pooling_falls_back_to_sentence_transformers(tmp_path: Path) -> None:
    mean = _model_copy(tmp_path / "a", {"pooling_mode_mean_tokens": True})
    cls = _model_copy(tmp_path / "b", {"pooling_mode_cls_token": True})
    assert plain_bert_config(mean) is not None
    assert plain_bert_config(cls) is None
    assert plain_bert_config(tmp_path) is None  # not a model folder at all
    with pytest.raises(ModelLoadError, match="DOCBOT_MODEL_BACKEND=auto"):
        load_embedder(str(cls), backend="torch")
    fallback = load_embedder(str(cls), backend="auto")
    assert isinstance(fallback, SentenceTransformerEmbedder)
    assert unit_pooling(fallback) == "separate"
    forced = load_embedder(str(mean), backend="sentence-transformers")
    assert isinstance(forced, SentenceTransformerEmbedder)


@pytest.mark.model
@pytest.mark.subprocess
def test_docbot_ask_does_not_import_sentence_transformers(tmp_path: Path) -> None:
    """The cold-start path: a fresh ``docbot ask`` loads torch, not sentence-transformers."""
    docs = tmp_path / "documents"
    docs.mkdir()
    shutil.copy(ROOT / "documents" / next(iter(os.listdir(ROOT / "documents"))), docs)
    env = {
        **os.environ,
        "DOCBOT_DOCUMENTS_DIR": str(docs),
        "DOCBOT_INDEX_DIR": str(tmp_path / "index"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    probe = (
        "import sys, bot.cli.main\n"
        "code = bot.cli.main.main(sys.argv[1:])\n"
        "heavy = sorted(m for m in ('sentence_transformers', 'transformers', 'sklearn')"
        " if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
        "sys.stdout.flush()\n"
    )
    for args in (["index"], ["ask", "Who manages regional commissions?"]):
        done = subprocess.run(
            [sys.executable, "-P", "-c", probe, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        assert "HEAVY []" in done.stdout, done.stdout
