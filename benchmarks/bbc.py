"""Chunk sizes on a mixed collection: the seed article among ~300 BBC news articles.

Copies the seed (``documents/``) and a fixed selection of ``../shared/corpora/bbc-news``
(every file ``bbc_dev.jsonl`` names, then the first articles of each section in name order)
into a temporary folder, makes a product index per chunk size (``assemble_index``) and
reports, per size: hit@3 and MRR@20 of the named ``source`` file for ``bbc_dev.jsonl``, and
how many ``seed_dev.jsonl`` questions have an expected string in the top 3 passages.

    .venv/bin/python -m benchmarks.bbc --max-words 80 120 200
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from benchmarks.common import CachingEmbedder, assemble_index
from index.embedding import load_embedder
from index.settings import IndexSettings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BBC = SHARED / "corpora" / "bbc-news"
SECTIONS = ("business", "entertainment", "politics", "sport", "tech")


def read_jsonl(path: Path) -> list[dict[str, object]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def copy_collection(target: Path, per_section: int, named: Sequence[str]) -> int:
    """Seed files plus BBC articles under ``target/bbc/``; returns the number of files."""
    for seed in sorted((ROOT / "documents").iterdir()):
        if seed.is_file() and not seed.name.startswith("."):
            shutil.copy(seed, target / seed.name)
    chosen = {n for n in named if n != "SEED"}
    for section in SECTIONS:
        chosen.update(
            f"{section}/{p.name}" for p in sorted((BBC / section).glob("*.txt"))[:per_section]
        )
    for rel in sorted(chosen):
        (target / "bbc" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(BBC / rel, target / "bbc" / rel)
    return sum(1 for p in target.rglob("*") if p.is_file())


def main(argv: Sequence[str] | None = None) -> int:
    defaults = IndexSettings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-words", type=int, nargs="+", default=[defaults.chunker.max_words])
    parser.add_argument("--overlap", type=int, default=defaults.chunker.overlap_sentences)
    parser.add_argument("--per-section", type=int, default=59, help="BBC articles per section")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    bbc_cases = read_jsonl(SHARED / "evals" / "bbc_dev.jsonl")
    seed_cases = read_jsonl(SHARED / "evals" / "seed_dev.jsonl")
    seed_names = sorted(p.name for p in (ROOT / "documents").iterdir() if p.is_file())
    embedder = CachingEmbedder(load_embedder(None, threads=args.threads))
    given = sys.argv[1:] if argv is None else list(argv)
    print(f"command: python -m benchmarks.bbc {' '.join(given)}")
    print(
        "\n| max_words | files | chunks | bbc_dev source hit@3 | bbc_dev source MRR@20 "
        "| seed_dev expected in top 3 |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bbc-mixed-") as tmp:
        docs = Path(tmp) / "documents"
        docs.mkdir()
        files = copy_collection(docs, args.per_section, [str(c["source"]) for c in bbc_cases])
        for max_words in args.max_words:
            chunker = replace(defaults.chunker, max_words=max_words, overlap_sentences=args.overlap)
            settings = replace(defaults, chunker=chunker)
            index = assemble_index(docs, embedder, settings).index
            hits = index.search([str(c["question"]) for c in bbc_cases], k=20)
            bbc_ok, bbc_rr = 0, 0.0
            for case, row in zip(bbc_cases, hits, strict=True):
                wanted = seed_names if case["source"] == "SEED" else [f"bbc/{case['source']}"]
                ranks = [h.rank for h in row if h.chunk.source in wanted]
                bbc_ok += bool(ranks) and ranks[0] <= 3
                bbc_rr += 1 / ranks[0] if ranks else 0.0
            hits = index.search([str(c["question"]) for c in seed_cases], k=3)
            seed_ok = 0
            for case, row in zip(seed_cases, hits, strict=True):
                text = " ".join(h.chunk.text.lower() for h in row)
                seed_ok += any(str(e).lower() in text for e in case["expect"])  # type: ignore[attr-defined]
            print(
                f"| {max_words} | {files} | {len(index)} | {bbc_ok}/{len(bbc_cases)} "
                f"| {bbc_rr / len(bbc_cases):.3f} "
                f"| {seed_ok}/{len(seed_cases)} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
