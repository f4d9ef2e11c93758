"""Retrieval and answer figures on a question set (``docbot eval FILE.jsonl``), with floors.

The question-set format is ``../shared/evals/README.md``'s: one JSON object a line with
``question``, ``expect`` (strings, any of which must appear in the answer) and, for mixed
collections, ``source`` (the file holding the answer, relative to the corpus; ``SEED`` for the
shipped article). A question without ``expect`` must come back "not in the documents".

A passage is relevant when it contains an expected string (case-insensitive) or comes from the
expected file. Retrieval figures average over answerable questions with at least one relevant
passage in the index. Stricter, ``located`` asks for a passage that both comes from the expected
file (any file when the case names none) and holds an expected string, in the top k, over every
answerable question (issue 24's figure for XQuAD: the right article, holding the answer).

An answer holds an expected string when its text contains it case-insensitively or after SQuAD's
normalisation (``bot.answering.matching``: punctuation, ё/е, so « » and ё do not hide a Russian
answer). ``refused`` is the share of answerable questions answered "not in the documents": a
ceiling (``--max-refused``), not a floor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.answering.answers import Answer
from bot.answering.engine import Engine
from bot.answering.errors import EvalFileError
from bot.answering.matching import contains, exact_match
from bot.answering.matching import f1 as token_f1
from index.chunking import Chunk
from index.metrics import hit_at_k, mean, mrr_at_k, ndcg_at_k, recall_at_k

FIGURES = ("hit", "mrr", "ndcg", "answer", "notfound", "exact", "f1", "accuracy", "located")
CEILINGS = ("refused",)  # lower is better
_MARKER = re.compile(r"\[\d+\]")  # an answer's [n] citation markers
DEPTH = 10  # MRR@10 and nDCG@10


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    expect: tuple[str, ...] = ()
    source: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.expect)


@dataclass(frozen=True)
class Outcome:
    case: Case
    answer: Answer
    ok: bool  # contains an expected string / not found, as the case asks
    exact: float | None = None  # the short answer against ``expect`` (SQuAD exact match), 0 if none
    f1: float | None = None  # and SQuAD token F1
    hit: float | None = None
    mrr: float | None = None
    ndcg: float | None = None
    recall: float | None = None
    located: float | None = None


@dataclass(frozen=True)
class Figures:
    file: str
    k: int
    questions: int
    answerable: int
    offtopic: int
    hit: float | None
    mrr: float | None
    ndcg: float | None
    recall: float | None
    answer: float | None
    notfound: float | None
    exact: float | None = None  # short answer exact match, answerable questions
    f1: float | None = None  # short answer F1, answerable questions
    accuracy: float | None = None  # answerable answered with an expected string + others refused
    located: float | None = None  # the expected file's passage holding the answer in the top k
    refused: float | None = None  # answerable questions answered "not in the documents"
    no_relevant: int = 0  # answerable questions with no relevant passage in the index
    misses: list[dict[str, object]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def question_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of each non-blank line; an error names a line that is not a JSON
    object with a "question" string."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalFileError(path, 0, f"{type(exc).__name__}: {exc.strerror or exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(path, number, f"not JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("question"), str):
            raise EvalFileError(path, number, 'no "question" string')
        yield number, row


def read_cases(path: Path) -> list[Case]:
    """Question-set lines; a line that is not such an object is an error naming the line."""
    cases: list[Case] = []
    for number, row in question_rows(path):
        expect = row.get("expect") or []
        if isinstance(expect, str):
            expect = [expect]
        if not isinstance(expect, list) or not all(isinstance(e, str) for e in expect):
            raise EvalFileError(path, number, '"expect" must be a list of strings')
        source = row.get("source")
        cases.append(
            Case(
                id=str(row.get("id", number)),
                question=row["question"],
                expect=tuple(expect),
                source=source if isinstance(source, str) else None,
            )
        )
    if not cases:
        raise EvalFileError(path, 0, "no questions")
    return cases


def is_relevant(case: Case, chunk: Chunk) -> bool:
    text = chunk.text.lower()
    if any(e.lower() in text for e in case.expect):
        return True
    if case.source and case.source != "SEED":
        return chunk.source == case.source or chunk.source.endswith("/" + case.source)
    return False


def holds_expected(case: Case, text: str) -> bool:
    """Does ``text`` hold an expected string, case-insensitively or after normalisation?"""
    lowered = text.lower()
    return any(e.lower() in lowered for e in case.expect) or contains(text, case.expect)


def from_source(case: Case, chunk: Chunk) -> bool:
    """Is ``chunk`` from the case's file (any file when the case names none, or ``SEED``)?"""
    if not case.source or case.source == "SEED":
        return True
    return chunk.source == case.source or chunk.source.endswith("/" + case.source)


def located(case: Case, ranked: Sequence[Chunk], k: int) -> float:
    """1.0 when a passage of the top ``k`` is from the case's file and holds an answer."""
    return float(any(from_source(case, c) and holds_expected(case, c.text) for c in ranked[:k]))


def contains_expected(case: Case, answer: Answer) -> bool:
    return answer.found and holds_expected(case, _MARKER.sub(" ", answer.text))


def evaluate(engine: Engine, cases: Sequence[Case], k: int, file: str = "") -> Figures:
    """Ask every case; rank retrieval against the passages that hold its answer."""
    index = engine.index()
    answerable = [c for c in cases if c.answerable]
    searched = engine.search([c.question for c in answerable], max(k, DEPTH))
    retrieval = dict(zip((c.id for c in answerable), searched, strict=True))
    outcomes: list[Outcome] = []
    for case in cases:
        answer = engine.ask(case.question)
        if not case.answerable:
            outcomes.append(Outcome(case, answer, not answer.found and not answer.citations))
            continue
        relevant = {c.id for c in index.chunks if is_relevant(case, c)}
        chunks = [h.chunk for h in retrieval[case.id]]
        outcomes.append(_scored(case, answer, chunks, relevant, k))
    return summarize(outcomes, k, file)


def _scored(case: Case, answer: Answer, chunks: list[Chunk], relevant: set[str], k: int) -> Outcome:
    ok = contains_expected(case, answer)
    short = answer.short.text if answer.short and answer.found else ""
    exact = exact_match(short, case.expect) if short else 0.0
    f1 = token_f1(short, case.expect) if short else 0.0
    where = located(case, chunks, k)
    if not relevant:
        return Outcome(case, answer, ok, exact, f1, located=where)
    ranked = [c.id for c in chunks]
    return Outcome(
        case,
        answer,
        ok,
        exact,
        f1,
        hit=hit_at_k(ranked, relevant, k),
        mrr=mrr_at_k(ranked, relevant, DEPTH),
        ndcg=ndcg_at_k(ranked, relevant, DEPTH),
        recall=recall_at_k(ranked, relevant, k),
        located=where,
    )


def summarize(outcomes: Sequence[Outcome], k: int, file: str = "") -> Figures:
    """The figures over the outcomes: retrieval averaged over answerable questions that have a
    relevant passage; answer and not-found rates over their kinds."""
    on = [o for o in outcomes if o.case.answerable]
    off = [o for o in outcomes if not o.case.answerable]

    def avg(name: str) -> float | None:
        return _round(mean(v for o in on if (v := getattr(o, name)) is not None))

    return Figures(
        file=file,
        k=k,
        questions=len(outcomes),
        answerable=len(on),
        offtopic=len(off),
        hit=avg("hit"),
        mrr=avg("mrr"),
        ndcg=avg("ndcg"),
        recall=avg("recall"),
        answer=_round(mean(1.0 if o.ok else 0.0 for o in on)),
        notfound=_round(mean(1.0 if o.ok else 0.0 for o in off)),
        exact=avg("exact"),
        f1=avg("f1"),
        accuracy=_round(mean(1.0 if o.ok else 0.0 for o in outcomes)),
        located=avg("located"),
        refused=_round(mean(0.0 if o.answer.found else 1.0 for o in on)),
        no_relevant=sum(1 for o in on if o.hit is None),
        misses=[_miss(o) for o in outcomes if not o.ok],
    )


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _miss(o: Outcome) -> dict[str, object]:
    return {
        "id": o.case.id,
        "question": o.case.question,
        "expect": list(o.case.expect),
        "answer": o.answer.text,
        "found": o.answer.found,
        "score": o.answer.score,
    }


def under_floors(figures: Figures, floors: dict[str, float | None]) -> list[str]:
    """ "name value < floor" for every figure under its floor (a figure that could not be
    computed, such as not-found accuracy on a set without off-topic questions, fails its floor)."""
    failed: list[str] = []
    for name, floor in floors.items():
        if floor is None:
            continue
        value = getattr(figures, name)
        if value is None:
            failed.append(f"{label(name, figures.k)} n/a < {floor:g}")
        elif value < floor:
            failed.append(f"{label(name, figures.k)} {value:.3f} < {floor:g}")
    return failed


def over_ceilings(figures: Figures, ceilings: dict[str, float | None]) -> list[str]:
    """ "name value > ceiling" for every figure over its ceiling (``refused``)."""
    failed: list[str] = []
    for name, ceiling in ceilings.items():
        value = getattr(figures, name)
        if ceiling is not None and value is not None and value > ceiling:
            failed.append(f"{label(name, figures.k)} {value:.3f} > {ceiling:g}")
    return failed


def label(name: str, k: int) -> str:
    return {
        "hit": f"hit@{k}",
        "mrr": f"MRR@{DEPTH}",
        "ndcg": f"nDCG@{DEPTH}",
        "recall": f"recall@{k}",
        "answer": "answer-contains",
        "notfound": "not-found accuracy",
        "exact": "short exact match",
        "f1": "short F1",
        "accuracy": "overall accuracy",
        "located": f"answer in top {k}",
        "refused": "answerable refused",
    }[name]


def feedback_cases(path: Path) -> list[dict[str, object]]:
    """Telegram feedback lines (question, answer, found, vote) as candidate question-set lines.

    An answer voted up becomes a case expecting its first cited sentence (a regression check);
    a not-found voted up becomes an off-topic case. Voted-down lines come out with a ``review``
    note and no ``expect``: edit them (add the right expected string, or keep them off-topic).
    """
    cases: list[dict[str, object]] = []
    for number, row in question_rows(path):
        case: dict[str, object] = {"id": f"fb{number}", "question": row["question"]}
        answer = str(row.get("answer", ""))
        found = bool(row.get("found", False))
        if row.get("vote") == "up":
            if found:
                case["expect"] = [_first_cited(answer)]
        else:
            case["review"] = (
                f"voted down: {answer}" if found else "voted down as not found: add expect"
            )
        cases.append(case)
    return cases


def _first_cited(answer: str, limit: int = 80) -> str:
    """The text before the first [n] marker, cut to ``limit`` characters at a word boundary."""
    text = " ".join(answer.split("[", 1)[0].split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0]
