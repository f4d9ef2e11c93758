"""Issue 24's Goals table in one run: answers to Russian, Kazakh and English questions through the
whole product (``docbot eval``'s figures, ``bot.answering.evaluate``).

Each collection is written to a temporary folder and built by the product (``Engine.reindex``:
the embedding model, BM25 and answer units the settings choose, so the same command measures the
product before and after a change to them); each question goes through ``Engine.ask`` as a user's
would. The sets:

- XQuAD (``../shared/evals/xquad_*.jsonl``, 24 articles): Russian questions over the Russian
  articles, the same Russian questions over the English articles, the English originals over
  the English articles. ``--sample N`` keeps N question ids (the same in the three sets),
  chosen with ``--seed``; ``--articles N`` keeps N articles (chosen with ``--seed``, both
  languages alike) and only their questions, for cheap subsets such as CI's.
- The seed article (``documents/``), project's own questions (``tests/evals/``): 16 questions
  in Russian, in Kazakh and in English (the same 16), over the seed among the first 121 BBC sport
  articles (sorted by name) and over the seed alone; 32 Russian and 15 Kazakh questions the seed
  does not answer, over the seed alone.

Figures (``bot.answering.evaluate``): ``located``, a passage of the right file holding an
expected string in the top 3; ``answer``, answered and the reply holds an expected string
(case-insensitive, or after SQuAD's normalisation with Unicode punctuation and ё/е);
``refused``, answerable questions answered "not in the documents"; ``notfound``, off-topic
questions refused. One thread. Usage (from the project root)::

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \\
        .venv/bin/python -m benchmarks.xquad --out /tmp/xquad.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.corpus import BBC, EVALS, SEED_DIR, SHARED
from benchmarks.measure import ROOT, machine
from bot.answering.engine import Engine
from bot.answering.evaluate import Case, Figures, evaluate, label, read_cases
from bot.settings import Settings
from index.embedding import Embedder

XQUAD = SHARED / "corpora" / "xquad"
OWN = ROOT / "tests" / "evals"
SPORT_ARTICLES = 121
K = 3


@dataclass(frozen=True)
class EvalSet:
    name: str
    title: str
    file: Path
    collection: str  # xquad_ru, xquad_en, seed_sport or seed (``fill``)
    figures: tuple[str, ...]  # what the table shows, ``evaluate``'s names


SETS = (
    EvalSet("ru_ru", "XQuAD ru over ru", EVALS / "xquad_ru.jsonl", "xquad_ru",
            ("located", "answer", "refused")),
    EvalSet("ru_en", "XQuAD ru over en", EVALS / "xquad_ru_en.jsonl", "xquad_en",
            ("located", "answer", "refused")),
    EvalSet("en_en", "XQuAD en over en", EVALS / "xquad_en.jsonl", "xquad_en",
            ("located", "answer", "refused")),
    EvalSet("seed_ru_sport", "seed ru, seed + 121 BBC sport", OWN / "seed_ru.jsonl",
            "seed_sport", ("located",)),
    EvalSet("seed_kk_sport", "seed kk, seed + 121 BBC sport", OWN / "seed_kk.jsonl",
            "seed_sport", ("located",)),
    EvalSet("seed_en_sport", "seed en, seed + 121 BBC sport", OWN / "seed_en.jsonl",
            "seed_sport", ("located",)),
    EvalSet("seed_ru", "seed ru over the seed", OWN / "seed_ru.jsonl", "seed",
            ("answer", "refused")),
    EvalSet("seed_kk", "seed kk over the seed", OWN / "seed_kk.jsonl", "seed",
            ("answer", "refused")),
    EvalSet("offtopic_ru", "off-topic ru over the seed", OWN / "offtopic_ru.jsonl", "seed",
            ("notfound",)),
    EvalSet("offtopic_kk", "off-topic kk over the seed", OWN / "offtopic_kk.jsonl", "seed",
            ("notfound",)),
)  # fmt: skip
# Issue 24's Goals: (set, figure) -> (must, aim)
GOALS = {
    ("ru_ru", "located"): ">= 0.93 (aim 0.97)",
    ("ru_ru", "answer"): ">= 0.60 (aim 0.72)",
    ("ru_ru", "refused"): "<= 0.15 (aim 0.10)",
    ("ru_en", "located"): ">= 0.80 (aim 0.90)",
    ("ru_en", "answer"): ">= 0.50 (aim 0.65)",
    ("en_en", "located"): "no drop beyond 0.01",
    ("en_en", "answer"): "no drop beyond 0.01",
    ("seed_ru_sport", "located"): ">= 14/16 (aim 16/16)",
}


@dataclass(frozen=True)
class Subset:
    """Which XQuAD questions and articles a run keeps (everything by default)."""

    sample: int | None = None  # question ids kept
    articles: int | None = None  # articles kept
    seed: int = 24

    def article_names(self) -> list[str]:
        names = sorted(p.name for p in (XQUAD / "en").glob("*.txt"))
        if self.articles is None or self.articles >= len(names):
            return names
        return sorted(random.Random(self.seed).sample(names, self.articles))

    def cases(self, file: Path) -> list[Case]:
        cases = read_cases(file)
        if not file.name.startswith("xquad_"):
            return cases
        keep = set(self.article_names())
        cases = [c for c in cases if c.source in keep]
        if self.sample is None or self.sample >= len(cases):
            return cases
        ids = sorted(c.id for c in cases)  # the same ids in the three XQuAD files
        chosen = set(random.Random(self.seed).sample(ids, self.sample))
        return [c for c in cases if c.id in chosen]


def fill(collection: str, folder: Path, subset: Subset) -> None:
    """Write the documents of ``collection`` into ``folder``."""
    folder.mkdir(parents=True)
    if collection.startswith("xquad_"):
        source = XQUAD / collection.removeprefix("xquad_")
        for name in subset.article_names():
            shutil.copyfile(source / name, folder / name)
        return
    shutil.copytree(SEED_DIR, folder, dirs_exist_ok=True)
    if collection == "seed_sport":
        sport = folder / "bbc" / "sport"
        sport.mkdir(parents=True)
        for path in sorted((BBC / "sport").glob("*.txt"))[:SPORT_ARTICLES]:
            shutil.copyfile(path, sport / path.name)


def engine_over(
    collection: str,
    root: Path,
    subset: Subset,
    embedder: Embedder | None = None,
    **overrides: Any,
) -> Engine:
    """The product's engine over ``collection``, built in ``root`` (settings from DOCBOT_*,
    then ``overrides``; one build thread unless DOCBOT_INDEX_THREADS says otherwise;
    ``embedder``: another engine's model, not loaded again)."""
    fill(collection, root / "documents", subset)
    extra: dict[str, Any] = {} if "DOCBOT_INDEX_THREADS" in os.environ else {"index_threads": 1}
    extra |= overrides
    settings = Settings(
        _env_file=None, documents_dir=root / "documents", index_dir=root / "index", **extra
    )
    engine = Engine(settings, embedder=embedder)
    engine.reindex()
    engine.index()
    return engine


def run(sets: Sequence[EvalSet], subset: Subset, say: Any = print) -> dict[str, Figures]:
    """Every set's figures; each collection built once, in a temporary folder."""
    out: dict[str, Figures] = {}
    with tempfile.TemporaryDirectory(prefix="docbot-xquad-") as tmp:
        engines: dict[str, Engine] = {}
        for s in sets:
            if s.collection not in engines:
                started = time.perf_counter()
                model = next((e.embedder for e in engines.values()), None)
                folder = Path(tmp) / s.collection
                engines[s.collection] = engine_over(s.collection, folder, subset, model)
                say(f"  built {s.collection} in {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            out[s.name] = evaluate(engines[s.collection], subset.cases(s.file), K, s.file.name)
            seconds = time.perf_counter() - started
            say(f"  {s.name}: {out[s.name].questions} questions, {seconds:.0f} s")
    return out


def table(sets: Sequence[EvalSet], figures: dict[str, Figures]) -> str:
    """The Goals table as Markdown: set, figure, value, questions counted, issue 24's goal."""
    lines = ["| set | figure | value | of | goal (issue 24) |", "|---|---|---|---|---|"]
    for s in sets:
        f = figures[s.name]
        for name in s.figures:
            value = getattr(f, name)
            shown = "n/a" if value is None else f"{value:.3f}"
            if name == "located" and value is not None and f.answerable <= 20:
                shown += f" ({round(value * f.answerable)}/{f.answerable})"
            n = f.offtopic if name == "notfound" else f.answerable
            goal = GOALS.get((s.name, name), "")
            lines.append(f"| {s.title} | {label(name, K)} | {shown} | {n} | {goal} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.xquad", description=__doc__)
    p.add_argument("--sample", type=int, default=None, metavar="N",
                   help="keep N XQuAD question ids (the same in the three sets)")  # fmt: skip
    p.add_argument("--articles", type=int, default=None, metavar="N",
                   help="keep N of the 24 XQuAD articles and their questions")  # fmt: skip
    p.add_argument("--seed", type=int, default=24, help="seed of the choices (default 24)")
    p.add_argument("--sets", nargs="+", choices=[s.name for s in SETS], default=None,
                   help="only these sets (default: all)")  # fmt: skip
    p.add_argument("--out", type=Path, default=None, help="the figures as JSON")
    p.add_argument("--cost", action="store_true",
                   help="then the costs: python -m benchmarks.languages_cost (~9 min)")  # fmt: skip
    args = p.parse_args(argv)
    sets = [s for s in SETS if args.sets is None or s.name in args.sets]
    subset = Subset(args.sample, args.articles, args.seed)
    started = time.perf_counter()
    figures = run(sets, subset, say=lambda line: print(line, file=sys.stderr, flush=True))
    seconds = time.perf_counter() - started
    print(table(sets, figures))
    print(f"\n{seconds:.0f} s; {json.dumps(machine(), ensure_ascii=False)}")
    if args.out:
        report = {
            "machine": machine(),
            "seconds": round(seconds, 1),
            "subset": asdict(subset),
            "figures": {name: f.to_json() for name, f in figures.items()},
        }
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.cost:  # issue 24's build, latency and memory goals: the whole table from one command
        from benchmarks import languages_cost

        cost = ["--out", str(args.out.with_suffix(".cost.json"))] if args.out else []
        return languages_cost.main(cost)
    return 0


if __name__ == "__main__":
    sys.exit(main())
