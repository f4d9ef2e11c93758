"""Issue 24's eval figures without a model: Russian answers compared as their writers mean them
(case, ё/е, « » and other Unicode punctuation, [n] markers), the right file's passage holding
the answer, answerable questions refused as a ceiling, and benchmarks.xquad's fixed subsets."""

from __future__ import annotations

from support.paths import shared_path

from benchmarks import xquad
from bot.answering.answers import Answer
from bot.answering.evaluate import (
    Case,
    Figures,
    Outcome,
    contains_expected,
    located,
    over_ceilings,
    summarize,
)
from bot.answering.matching import contains, exact_match, normalized
from index.chunking import Chunk

CASE = Case("q1", "Кто руководит комиссиями?", ("Королёв",), "a.txt")


def chunk(source: str, text: str) -> Chunk:
    return Chunk(id=source + text, source=source, text=text, start=0, end=len(text))


def answer(text: str, found: bool = True) -> Answer:
    return Answer(question=CASE.question, resolved=CASE.question, text=text, found=found)


def test_russian_text_normalises_case_yo_and_unicode_punctuation() -> None:
    assert normalized("«Королёв» — ЦЕНТР…") == "королев центр"
    assert exact_match("королев", ["«Королёв»"]) == 1.0
    assert contains("Руководит им С. П. Королев.", ["королёв"])
    assert normalized("The Akims' power") == "akims power"  # SQuAD's English rules stand


def test_a_reply_holds_the_answer_through_markers_and_spelling() -> None:
    assert contains_expected(CASE, answer("Комиссией руководил Королев[1]."))
    assert contains_expected(CASE, answer("Комиссией руководил «КОРОЛЁВ» [2]"))
    assert not contains_expected(CASE, answer("Комиссией руководил Королев.", found=False))
    assert not contains_expected(CASE, answer("Комиссией руководил Глушко[1]."))


def test_located_wants_the_right_file_holding_the_answer_in_the_top_k() -> None:
    right, elsewhere = chunk("a.txt", "Руководил Королев."), chunk("b.txt", "Руководил Королев.")
    empty = chunk("a.txt", "Ничего.")
    assert located(CASE, [empty, right], 3) == 1.0
    assert located(CASE, [elsewhere, empty, empty, right], 3) == 0.0
    anywhere = Case("q2", CASE.question, CASE.expect)  # no source: any file holding it
    assert located(anywhere, [elsewhere], 3) == 1.0


def test_refused_counts_answerable_questions_answered_not_found() -> None:
    outcomes = [
        Outcome(CASE, answer("Королев[1]"), ok=True, located=1.0),
        Outcome(CASE, answer("not in the documents", found=False), ok=False, located=1.0),
        Outcome(CASE, answer("not in the documents", found=False), ok=False, located=0.0),
        Outcome(Case("off", "Погода?"), answer("not", found=False), ok=True),
    ]
    f = summarize(outcomes, 3)
    assert (f.answer, f.refused, f.located, f.notfound) == (0.3333, 0.6667, 0.6667, 1.0)
    assert over_ceilings(f, {"refused": 0.5}) == ["answerable refused 0.667 > 0.5"]
    assert over_ceilings(f, {"refused": 0.7}) == []


def test_the_xquad_subset_is_fixed_and_the_same_across_languages() -> None:
    shared_path("evals", "xquad_ru.jsonl")
    subset = xquad.Subset(sample=20, articles=6, seed=7)
    assert subset.article_names() == xquad.Subset(articles=6, seed=7).article_names()
    files = {s.name: s.file for s in xquad.SETS}
    ru, en = subset.cases(files["ru_ru"]), subset.cases(files["ru_en"])
    assert len(ru) == 20 and [c.id for c in ru] == [c.id for c in en]
    assert {c.source for c in ru} <= set(subset.article_names())
    assert len(xquad.Subset().cases(files["en_en"])) == 655


def test_the_table_shows_each_sets_figures_beside_the_goal() -> None:
    sets = [s for s in xquad.SETS if s.name in ("ru_ru", "offtopic_ru")]
    figures = {
        "ru_ru": Figures("x", 3, 10, 10, 0, None, None, None, None, answer=0.2, notfound=None,
                         located=0.9, refused=0.7),
        "offtopic_ru": Figures("y", 3, 4, 0, 4, None, None, None, None, answer=None,
                               notfound=0.75),
    }  # fmt: skip
    lines = xquad.table(sets, figures).splitlines()
    assert lines[2] == (
        "| XQuAD ru over ru | answer in top 3 | 0.900 (9/10) | 10 | >= 0.93 (aim 0.97) |"
    )
    assert lines[4].startswith("| XQuAD ru over ru | answerable refused | 0.700 | 10 | <= 0.15")
    assert lines[5] == "| off-topic ru over the seed | not-found accuracy | 0.750 | 4 |  |"
