"""Calibrate sentence verification: ``python -m training.calibrate``.

Reads a set of sentences, each with the passage(s) it cites and whether they support it
(``tests/evals/support_sentences.jsonl``), scores every sentence with the bundled embedding
model, and picks the lexical weight and the threshold that keep the most supported sentences
while keeping at most ``MAX_FALSE_KEEP`` of the unsupported ones. The pick is judged on held-out
folds first (5-fold cross-validation: each fold scored with the weight and threshold chosen on
the other four), then made on the whole set; it prints both, and whether ``verify.py``'s
constants match.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answering.generation import verify
from bot.answering.generation.passages import Passage
from index.embedding import Embedder, load_embedder

MAX_FALSE_KEEP = 0.02  # share of unsupported sentences that may be kept
FOLDS = 5
WEIGHTS = tuple(round(0.1 * i, 1) for i in range(11))
THRESHOLDS = tuple(round(0.30 + 0.01 * i, 2) for i in range(66))


@dataclass(frozen=True)
class Scored:
    id: str
    kind: str
    supported: bool
    support: verify.Support

    @property
    def passes_rules(self) -> bool:
        """Numbers and names all found verbatim, negation agreeing (the rules before the
        threshold)."""
        s = self.support
        return not s.missing_numbers and not s.missing_names and not s.polarity

    def kept(self, weight: float, threshold: float) -> bool:
        return self.passes_rules and self.support.score(weight) >= threshold


@dataclass(frozen=True)
class Figures:
    kept_supported: int
    supported: int
    kept_unsupported: int
    unsupported: int

    @property
    def precision(self) -> float:
        kept = self.kept_supported + self.kept_unsupported
        return self.kept_supported / kept if kept else 1.0

    @property
    def recall(self) -> float:
        return self.kept_supported / self.supported if self.supported else 0.0

    def line(self) -> str:
        return (
            f"precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"({self.kept_supported}/{self.supported} supported kept, "
            f"{self.kept_unsupported}/{self.unsupported} unsupported kept)"
        )


def figures(rows: Sequence[Scored], weight: float, threshold: float) -> Figures:
    kept = [r for r in rows if r.kept(weight, threshold)]
    return Figures(
        sum(r.supported for r in kept),
        sum(r.supported for r in rows),
        sum(not r.supported for r in kept),
        sum(not r.supported for r in rows),
    )


def choose(rows: Sequence[Scored]) -> tuple[float, float]:
    """The (weight, threshold) with the best recall among those keeping at most
    ``MAX_FALSE_KEEP`` of the unsupported; ties go to the higher threshold (the safer)."""
    best: tuple[float, float, float] | None = None  # recall, threshold, weight
    for w in WEIGHTS:
        for t in THRESHOLDS:
            f = figures(rows, w, t)
            if f.kept_unsupported > MAX_FALSE_KEEP * f.unsupported:
                continue
            key = (f.recall, t, w)
            if best is None or key > best:
                best = key
    if best is None:
        return WEIGHTS[-1], THRESHOLDS[-1]
    return best[2], best[1]


def cross_validate(rows: Sequence[Scored]) -> Figures:
    """Pooled held-out figures: fold i (every FOLDS-th row, per class) scored with the
    weight and threshold chosen on the others."""
    folds = {
        r.id: i % FOLDS
        for cls in (True, False)
        for i, r in enumerate(r for r in rows if r.supported is cls)
    }
    totals = Figures(0, 0, 0, 0)
    for k in range(FOLDS):
        train = [r for r in rows if folds[r.id] != k]
        test = [r for r in rows if folds[r.id] == k]
        f = figures(test, *choose(train))
        totals = Figures(*(a + b for a, b in zip(_tuple(totals), _tuple(f), strict=True)))
    return totals


def _tuple(f: Figures) -> tuple[int, int, int, int]:
    return f.kept_supported, f.supported, f.kept_unsupported, f.unsupported


def score_rows(path: Path, embedder: Embedder | None = None) -> list[Scored]:
    """Each sentence of ``path`` scored (with the bundled model, one thread, unless given)."""
    embedder = embedder or load_embedder(None, threads=1)
    out: list[Scored] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        passages = [Passage.of_text(n, t) for n, t in enumerate(row["passages"], start=1)]
        support = verify.support_of(row["sentence"], passages, embedder.encode)
        out.append(Scored(row["id"], row["kind"], bool(row["supported"]), support))
    return out


def report(rows: Sequence[Scored]) -> str:
    held_out = cross_validate(rows)
    weight, threshold = choose(rows)
    lines = [
        f"{len(rows)} sentences: {sum(r.supported for r in rows)} supported, "
        f"{sum(not r.supported for r in rows)} unsupported "
        f"(at most {MAX_FALSE_KEEP:.0%} of the unsupported may be kept)",
        f"held out ({FOLDS}-fold): {held_out.line()}",
        f"chosen on all: LEXICAL_WEIGHT = {weight}, THRESHOLD = {threshold}: "
        + figures(rows, weight, threshold).line(),
        f"verify.py has LEXICAL_WEIGHT = {verify.LEXICAL_WEIGHT}, "
        f"THRESHOLD = {verify.THRESHOLD}: "
        + figures(rows, verify.LEXICAL_WEIGHT, verify.THRESHOLD).line(),
        "kept by kind at verify.py's constants:",
    ]
    by_kind = Counter(r.kind for r in rows)
    kept = Counter(r.kind for r in rows if r.kept(verify.LEXICAL_WEIGHT, verify.THRESHOLD))
    rules = Counter(r.kind for r in rows if not r.passes_rules)
    for kind, n in sorted(by_kind.items()):
        lines.append(
            f"  {kind:<14} {kept[kind]:>3}/{n:<3} kept ({rules[kind]} dropped by the rules)"
        )
    return "\n".join(lines)


def dumped(row: Scored) -> dict[str, object]:
    s = row.support
    return {
        "id": row.id,
        "kind": row.kind,
        "supported": row.supported,
        "lexical": round(s.lexical, 4),
        "semantic": round(s.semantic, 4),
        "numbers": s.missing_numbers,
        "names": s.missing_names,
        "polarity": s.polarity,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.calibrate")
    parser.add_argument("--file", default="tests/evals/support_sentences.jsonl")
    parser.add_argument("--dump", help="write each sentence's scores to this JSON-lines file")
    args = parser.parse_args(argv)
    rows = score_rows(Path(args.file))
    if args.dump:
        Path(args.dump).write_text("".join(json.dumps(dumped(r)) + "\n" for r in rows))
    print(report(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
