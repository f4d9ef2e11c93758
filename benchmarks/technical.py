"""Per-kind figures on the technical documentation set (issue 23).

    DOCBOT_THREADS=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \\
        .venv/bin/python -m benchmarks.technical [--misses]

Indexes ``tests/evals/technical/documents`` in a temporary folder (or answers from ``--index``),
asks every question of ``tests/evals/technical.jsonl`` with the bot's default settings and
prints, for each ``kind`` of question and over all:

- ``right``: answerable questions answered with an expected string (what ``docbot eval`` counts
  as answer-contains), off-topic questions refused citing nothing;
- ``shown``: answers showing a bold phrase (the Answer's ``short``), and ``good``: those whose
  phrase has SQuAD token F1 >= 0.5 against an expected string (``bot.answering.matching.f1``).

``--misses`` also prints every question answered wrong with the reply.
``tests/test_technical_eval.py`` holds floors on the same figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.answering.answers import Answer
from bot.answering.engine import Engine
from bot.answering.evaluate import Case, contains_expected, question_rows, read_cases
from bot.answering.matching import f1
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "evals" / "technical.jsonl"
DOCUMENTS = ROOT / "tests" / "evals" / "technical" / "documents"
KINDS = ("plain", "howto", "code", "term", "identifier", "offtopic")
GOOD_F1 = 0.5  # a shown phrase counts as right from this token F1 on


@dataclass(frozen=True)
class Asked:
    case: Case
    kind: str
    answer: Answer

    @property
    def right(self) -> bool:
        if self.case.answerable:
            return contains_expected(self.case, self.answer)
        return not self.answer.found and not self.answer.citations

    @property
    def phrase(self) -> str:
        """The bold phrase shown, or "" when none is."""
        short = self.answer.short
        return short.text if short is not None and self.answer.found else ""

    @property
    def good_phrase(self) -> bool:
        return bool(self.phrase) and f1(self.phrase, self.case.expect) >= GOOD_F1


@dataclass(frozen=True)
class KindFigures:
    kind: str
    questions: int
    right: int
    shown: int  # answers showing a bold phrase
    good: int  # of those, phrases with F1 >= GOOD_F1

    @property
    def right_share(self) -> float:
        return self.right / self.questions if self.questions else 0.0

    @property
    def good_share(self) -> float | None:
        return self.good / self.shown if self.shown else None


def kinds_of(path: Path = QUESTIONS) -> dict[str, str]:
    """Each question's ``kind`` by its ``id``."""
    return {str(row.get("id", n)): str(row.get("kind", "")) for n, row in question_rows(path)}


def ask_all(engine: Engine, path: Path = QUESTIONS) -> list[Asked]:
    kinds = kinds_of(path)
    return [Asked(c, kinds[c.id], engine.ask(c.question)) for c in read_cases(path)]


def figures(asked: Sequence[Asked], kind: str) -> KindFigures:
    """One kind's figures; ``"answerable"`` sums every kind but off-topic, ``"all"`` every one."""
    chosen = [a for a in asked if _of_kind(a, kind)]
    return KindFigures(
        kind=kind,
        questions=len(chosen),
        right=sum(a.right for a in chosen),
        shown=sum(bool(a.phrase) for a in chosen),
        good=sum(a.good_phrase for a in chosen),
    )


def _of_kind(asked: Asked, kind: str) -> bool:
    if kind == "answerable":
        return asked.case.answerable
    return kind in ("all", asked.kind)


def per_kind(asked: Sequence[Asked]) -> list[KindFigures]:
    return [figures(asked, kind) for kind in (*KINDS, "answerable", "all")]


def table(rows: Sequence[KindFigures]) -> str:
    """A Markdown table of the figures, one row per kind."""
    lines = [
        "| kind | questions | right | bold phrases shown | of them F1 >= 0.5 |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        good = "—" if r.good_share is None else f"{r.good}/{r.shown} = {r.good_share:.2f}"
        lines.append(
            f"| {r.kind} | {r.questions} | {r.right}/{r.questions} = {r.right_share:.2f} "
            f"| {r.shown} | {good} |"
        )
    return "\n".join(lines)


def miss_lines(asked: Sequence[Asked]) -> list[str]:
    out = []
    for a in asked:
        if not a.right:
            expect = " / ".join(a.case.expect) or "not found"
            reply = " ".join(a.answer.text.split())
            bold = f" [bold: {' '.join(a.phrase.split())}]" if a.phrase else ""
            out.append(
                f"{a.case.id} ({a.kind}) {a.case.question!r}: want {expect!r}, got {reply!r}{bold}"
            )
    return out


def engine_over(documents: Path, index: Path) -> Engine:
    """An engine with the bot's defaults (no .env) over ``documents``, indexed in ``index``."""
    engine = Engine(Settings(_env_file=None, documents_dir=documents, index_dir=index))
    engine.ensure_index()
    return engine


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--documents", type=Path, default=DOCUMENTS)
    parser.add_argument("--index", type=Path, help="index folder (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--misses", action="store_true", help="print every wrong answer")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        engine = engine_over(args.documents, args.index or Path(tmp) / "index")
        asked = ask_all(engine, args.questions)
    rows = per_kind(asked)
    if args.json:
        print(json.dumps([asdict(r) for r in rows]))
    else:
        print(table(rows))
    if args.misses:
        print("\n".join(miss_lines(asked)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
