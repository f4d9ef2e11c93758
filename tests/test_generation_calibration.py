"""Sentence verification against the calibration set (tests/evals/support_sentences.jsonl) with
the real embedding model: the constants in verify.py are what the calibration chooses, and at
them the unsupported sentences are almost never kept."""

from __future__ import annotations

from typing import Any

import pytest
from support.paths import EVALS

from bot.answering.generation import verify
from training import calibrate

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def scored(real_embedder: Any) -> list[calibrate.Scored]:
    return calibrate.score_rows(EVALS / "support_sentences.jsonl", embedder=real_embedder)


def test_the_constants_are_the_calibrated_choice(scored: list[calibrate.Scored]) -> None:
    assert calibrate.choose(scored) == (verify.LEXICAL_WEIGHT, verify.THRESHOLD)


def test_unsupported_sentences_are_almost_never_kept(scored: list[calibrate.Scored]) -> None:
    f = calibrate.figures(scored, verify.LEXICAL_WEIGHT, verify.THRESHOLD)
    assert f.kept_unsupported <= calibrate.MAX_FALSE_KEEP * f.unsupported
    assert f.recall >= 0.75
    held_out = calibrate.cross_validate(scored)
    assert held_out.precision >= 0.9 and held_out.recall >= 0.7
    for row in scored:  # every invented number or name is caught by the verbatim rule
        if row.kind in ("number", "name"):
            assert not row.kept(verify.LEXICAL_WEIGHT, verify.THRESHOLD), row.id
