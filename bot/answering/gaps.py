"""What the documents could not answer: the questions refused ("not in the documents") or
voted 👎, grouped by meaning so that one missing fact asked in five wordings is one gap asked five
times, the most asked first.

Grouping is greedy over the embedder's vectors (complete linkage): each distinct wording, most
asked first, joins the group whose least similar member is most similar to it when that cosine
reaches :data:`THRESHOLD`, else starts a group; so a group never chains from one topic to the
next, every two of its wordings are that close. The threshold was chosen on
``tests/evals/gaps.jsonl`` (paraphrase groups and distinct questions on shared topics; ``python
-m benchmarks.gaps``, figures in ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.embedding import Embedder

ANSWERED, REFUSED, DOWN = "answered", "refused", "down"
KINDS = (ANSWERED, REFUSED, DOWN)
THRESHOLD = 0.45  # cosine to every member (all-MiniLM-L6-v2): best pair F1, benchmarks/RESULTS.md


@dataclass(frozen=True)
class Asked:
    """One question's outcome: answered, refused, or its answer voted 👎. Only refused and 👎
    questions keep their text; ``asker`` is a keyed hash (never the user's id), or empty."""

    kind: str
    at: float  # Unix time
    chat: str = ""  # the chat's kind: private, group, supergroup
    question: str = ""
    asker: str = ""
    scope: str = ""  # the chat's scope key (index.scope.Scope.key); "" for everything

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")

    @property
    def gap(self) -> bool:
        """A question the documents did not answer (and its text is kept)."""
        return self.kind != ANSWERED and bool(self.question)

    def to_json(self) -> dict[str, object]:
        line: dict[str, object] = {"kind": self.kind, "at": round(self.at, 3), "chat": self.chat}
        if self.kind != ANSWERED:
            line |= {"question": self.question, "asker": self.asker}
        if self.scope:
            line["scope"] = self.scope
        return line

    @classmethod
    def from_json(cls, line: dict[str, object]) -> Asked:
        at = line.get("at")
        return cls(
            kind=str(line.get("kind")),
            at=float(at) if isinstance(at, int | float) else 0.0,
            chat=str(line.get("chat") or ""),
            question=str(line.get("question") or ""),
            asker=str(line.get("asker") or ""),
            scope=str(line.get("scope") or ""),
        )


@dataclass(frozen=True)
class Gap:
    """Near-duplicate questions counted together."""

    question: str  # the most asked wording
    wordings: tuple[str, ...]  # every distinct wording, most asked first
    count: int
    refused: int
    down: int
    askers: int  # distinct askers (keyed hashes) among those known
    first: float
    last: float
    answered_now: bool = False  # asked again of the current documents, it is answered

    def to_json(self) -> dict[str, object]:
        return {
            "answered_now": self.answered_now,
            "question": self.question,
            "wordings": list(self.wordings),
            "count": self.count,
            "refused": self.refused,
            "down": self.down,
            "askers": self.askers,
            "first": self.first,
            "last": self.last,
        }


def wording(question: str) -> str:
    """The key that makes two spellings one wording: case, spacing and end punctuation."""
    return " ".join(question.casefold().split()).strip(" ?!.")


def group(asked: Sequence[Asked], embedder: Embedder, threshold: float = THRESHOLD) -> list[Gap]:
    """The gaps among ``asked`` (answered questions are ignored), most asked first."""
    by_wording: dict[str, list[Asked]] = {}
    for item in sorted((a for a in asked if a.gap), key=lambda a: a.at):
        by_wording.setdefault(wording(item.question), []).append(item)
    if not by_wording:
        return []
    ordered = sorted(by_wording.values(), key=lambda rows: (-len(rows), rows[0].at))
    vectors = unit(np.asarray(embedder.encode([rows[0].question for rows in ordered])))
    labels = link(vectors, threshold)
    members: list[list[list[Asked]]] = [[] for _ in range(int(labels.max()) + 1)]
    for rows, label in zip(ordered, labels, strict=True):
        members[label].append(rows)
    gaps = [_gap(m) for m in members]
    return sorted(gaps, key=lambda g: (-g.count, -g.last))


def link(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """The group of each unit vector, in order (complete linkage, greedy): a vector joins the
    group whose least similar member is most similar to it, if that cosine reaches
    ``threshold``, else starts a group. One matrix product per vector."""
    labels = np.zeros(len(vectors), dtype=np.int64)
    groups = 0
    for i, vector in enumerate(vectors):
        least = np.full(groups, np.inf, dtype=np.float32)
        np.minimum.at(least, labels[:i], vectors[:i] @ vector)
        best = int(np.argmax(least)) if groups else -1
        if best >= 0 and least[best] >= threshold:
            labels[i] = best
        else:
            labels[i] = groups
            groups += 1
    return labels


def recheck(gaps: Sequence[Gap], answers: Callable[[str], bool], limit: int) -> list[Gap]:
    """The first ``limit`` gaps that were only refused, asked again (``answers(question)``: the
    current documents answer it); those answered now go last. A gap voted 👎 was answered,
    wrongly: asking again says nothing, so it stays."""
    checked = [
        replace(gap, answered_now=True)
        if n < limit and not gap.down and answers(gap.question)
        else gap
        for n, gap in enumerate(gaps)
    ]
    return sorted(checked, key=lambda gap: gap.answered_now)


def clusters(questions: Sequence[str], embedder: Embedder, threshold: float) -> list[int]:
    """The group number of each question, asked once each (what the benchmark measures)."""
    asked = [Asked(REFUSED, float(i), question=q) for i, q in enumerate(questions)]
    number = {
        wording(w): n
        for n, gap in enumerate(group(asked, embedder, threshold))
        for w in gap.wordings
    }
    return [number[wording(q)] for q in questions]


def unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms == 0, 1.0, norms), dtype=np.float32)


def _gap(members: list[list[Asked]]) -> Gap:
    rows = [a for wording_rows in members for a in wording_rows]
    return Gap(
        question=members[0][0].question,
        wordings=tuple(m[0].question for m in members),
        count=len(rows),
        refused=sum(a.kind == REFUSED for a in rows),
        down=sum(a.kind == DOWN for a in rows),
        askers=len({a.asker for a in rows if a.asker}),
        first=min(a.at for a in rows),
        last=max(a.at for a in rows),
    )


def eval_lines(gaps: Sequence[Gap]) -> list[dict[str, object]]:
    """The gaps as a question set (``docbot eval``'s format): the questions, no ``expect``,
    so that each must come back "not in the documents" until a document answers it; the
    ``review`` note says to add ``expect`` once it does (as ``eval --from-feedback`` does)."""
    return [
        {
            "id": f"gap{n}",
            "question": gap.question,
            "also_asked": list(gap.wordings[1:]),
            "review": f"asked {gap.count} time(s) (refused {gap.refused}, voted down "
            f"{gap.down}): {NOW if gap.answered_now else LATER}",
        }
        for n, gap in enumerate(gaps, start=1)
    ]


NOW = "answered now: check the answer and add its expect"
LATER = "add expect once a document answers it"
