"""Grouping of unanswered questions (issue 25): how well ``bot.answering.gaps.group`` counts the
paraphrases of one question together and keeps distinct questions apart, on
``tests/evals/gaps.jsonl`` (each line a question and its ``group``; a group of one is a question
with no paraphrase in the set), at several cosine thresholds.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m benchmarks.gaps

Figures per threshold: pairwise precision and recall (pairs of questions put together that
belong together, of all put together / of all that belong together), purity (the share of
questions in a cluster whose majority group is theirs), paraphrase groups kept whole, and
clusters made (against the true number of groups).
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answering.gaps import THRESHOLD, clusters
from index.embedding import Embedder, load_embedder

SET = Path(__file__).resolve().parent.parent / "tests" / "evals" / "gaps.jsonl"
THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)


@dataclass(frozen=True)
class Grouping:
    threshold: float
    precision: float
    recall: float
    purity: float
    whole: int  # paraphrase groups (two or more questions) in one cluster, alone or not
    groups: int  # paraphrase groups
    clusters: int
    true_clusters: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def read_set(path: Path = SET) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r["question"] for r in rows], [r["group"] for r in rows]


def score(found: Sequence[int], truth: Sequence[str], threshold: float) -> Grouping:
    pairs = list(itertools.combinations(range(len(truth)), 2))
    together = [(i, j) for i, j in pairs if found[i] == found[j]]
    belong = [(i, j) for i, j in pairs if truth[i] == truth[j]]
    both = sum(truth[i] == truth[j] for i, j in together)
    majority = 0
    for cluster in set(found):
        members = [truth[i] for i in range(len(truth)) if found[i] == cluster]
        majority += Counter(members).most_common(1)[0][1]
    sizes = Counter(truth)
    paraphrased = [g for g, n in sizes.items() if n > 1]
    spread = {g: {found[i] for i in range(len(truth)) if truth[i] == g} for g in paraphrased}
    whole = sum(len(clusters_of) == 1 for clusters_of in spread.values())
    return Grouping(
        threshold=threshold,
        precision=both / len(together) if together else 1.0,
        recall=both / len(belong) if belong else 1.0,
        purity=majority / len(truth),
        whole=whole,
        groups=len(paraphrased),
        clusters=len(set(found)),
        true_clusters=len(sizes),
    )


def measure(
    embedder: Embedder, thresholds: Sequence[float] = THRESHOLDS, path: Path = SET
) -> list[Grouping]:
    questions, truth = read_set(path)
    return [score(clusters(questions, embedder, t), truth, t) for t in thresholds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    questions, truth = read_set()
    print(f"{len(questions)} questions, {len(set(truth))} groups; bot default {THRESHOLD}")
    print("| threshold | pair precision | pair recall | pair F1 | purity | whole | clusters |")
    print("|---|---|---|---|---|---|---|")
    for g in measure(load_embedder(None, threads=args.threads)):
        print(
            f"| {g.threshold:.2f} | {g.precision:.3f} | {g.recall:.3f} | {g.f1:.3f} "
            f"| {g.purity:.3f} | {g.whole} / {g.groups} | {g.clusters} (true {g.true_clusters}) |"
        )


if __name__ == "__main__":
    main()
