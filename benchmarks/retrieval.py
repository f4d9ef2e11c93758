"""Retrieval over three kinds of collection, with and without document titles, per fusion.

One command gives every retrieval figure of issue 12 (``benchmarks/RESULTS.md``)::

    .venv/bin/python -m benchmarks.retrieval                       # all sets, all variants
    .venv/bin/python -m benchmarks.retrieval --sets news wiki --variants plain title

The collections (read from ``../shared``, written only to a temporary folder):

- ``news``: the seed article among all BBC articles. ``bbc_dev``: the named file in the top 3;
  ``seed_dev`` and ``tests/evals/seed_paraphrased.jsonl`` (short questions that name nothing of
  the article's topic): a seed passage holding an expected string in the top 3.
- ``wiki``: the six SQuAD 2.0 articles among all BBC articles; each answerable question: a
  passage of its article holding a gold answer in the top 1 / 3 / 5.
- ``scifact``: SciFact (BEIR) ``--scifact-split`` (train to choose, test to report), nDCG@10 of
  documents ranked by their best chunk.

Variants of what a chunk is searched by (the product's chunker, dedup, FAISS, BM25 and fusion
otherwise): ``plain`` (the chunk's text), ``title`` (its document's title, then its text, for
both BM25 and the embedding), ``title-bm25`` / ``title-dense`` (the title in one of the two
only). Each variant is ranked with every fusion in ``--blend`` and ``--rrf``. Vectors are cached
by text (``benchmarks.common.CachingEmbedder``), so a variant is embedded once per machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import CachingEmbedder, docs_by_max, ndcg_at
from benchmarks.scifact import load_split, write_corpus
from index.chunking import Chunk, chunk_document, deduplicate
from index.dense import DenseIndex
from index.documents import Document, SkipFile
from index.embedding import load_embedder
from index.loading import load, scan
from index.retriever import Index, Parts
from index.settings import IndexSettings
from index.sparse import SparseIndex

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BBC = SHARED / "corpora" / "bbc-news"
SQUAD = SHARED / "corpora" / "squad2-dev6" / "documents"
EVALS = SHARED / "evals"
VARIANTS = ("plain", "title", "title-bm25", "title-dense")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# --- titles -----------------------------------------------------------------------------------
def document_title(doc: Document) -> str:
    """The document's title: what the loader found (``Document.title``, where it has one), else
    the first line when it reads as a title, else the file name."""
    found = getattr(doc, "title", "")
    if found:
        return str(found)
    first = doc.text.strip().split("\n", 1)[0].strip()
    if first and len(first.split()) <= 15 and first[-1] not in ".!?:;,":
        return first
    return Path(doc.source).stem.replace("_", " ").replace("-", " ")


def titled(title: str, text: str) -> str:
    """What a chunk is searched by with its title: the title, then the text (once)."""
    return text if text.startswith(title) else f"{title}\n{text}"


# --- collections ------------------------------------------------------------------------------
@dataclass
class Built:
    """A collection chunked once, with what each variant searches by."""

    chunks: list[Chunk]
    titles: list[str]  # per chunk
    seconds: float = 0.0
    indexes: dict[str, Index] = field(default_factory=dict)


def chunk_folder(docs: Path, settings: IndexSettings) -> Built:
    started = time.monotonic()
    files, _ = scan(docs, settings.max_file_bytes)
    candidates: list[Chunk] = []
    title_of: dict[str, str] = {}
    for f in files:
        try:
            doc = load(f)
        except SkipFile:
            continue
        title_of[doc.source] = document_title(doc)
        candidates.extend(chunk_document(doc, settings.chunker))
    kept, _ = deduplicate(candidates, settings.chunker.duplicate_threshold)
    return Built(kept, [title_of[c.source] for c in kept], time.monotonic() - started)


def variant_index(
    built: Built, variant: str, embedder: CachingEmbedder, settings: IndexSettings
) -> Index:
    """An in-memory product ``Index`` whose BM25 and vectors follow ``variant``."""
    plain = [c.text for c in built.chunks]
    with_title = [titled(t, c.text) for t, c in zip(built.titles, built.chunks, strict=True)]
    dense_texts = with_title if variant in ("title", "title-dense") else plain
    sparse_texts = with_title if variant in ("title", "title-bm25") else plain
    vectors = embedder.encode(dense_texts)
    return Index(
        Parts(
            folder=Path("."),
            manifest={},
            chunks=built.chunks,
            vectors=vectors,
            dense=DenseIndex.build(vectors, settings.dense_kind),
            sparse=SparseIndex.build(sparse_texts),
        ),
        embedder=embedder,
        settings=settings,
    )


# --- question sets ----------------------------------------------------------------------------
Relevant = Callable[[Chunk], bool]


@dataclass(frozen=True)
class Question:
    text: str
    relevant: Relevant


@dataclass(frozen=True)
class QuestionSet:
    name: str
    questions: list[Question]
    cutoffs: tuple[int, ...]


def in_source(source: str) -> Relevant:
    """Any passage of ``source``."""
    return lambda c: c.source == source


def holds(source: str, expect: Sequence[str]) -> Relevant:
    """A passage of ``source`` that contains one of the expected strings."""
    wanted = [e.lower() for e in expect]
    return lambda c: c.source == source and any(e in c.text.lower() for e in wanted)


def news_sets(seed: str) -> list[QuestionSet]:
    bbc = [
        Question(row["question"], in_source(f"bbc/{row['source']}"))
        if row["source"] != "SEED"
        else Question(row["question"], holds(seed, row["expect"]))
        for row in read_jsonl(EVALS / "bbc_dev.jsonl")
    ]
    seed_sets = [
        ("seed_dev", EVALS / "seed_dev.jsonl"),
        ("seed_paraphrased", ROOT / "tests" / "evals" / "seed_paraphrased.jsonl"),
    ]
    out = [QuestionSet("bbc_dev", bbc, (3,))]
    for name, path in seed_sets:
        rows = read_jsonl(path)
        out.append(
            QuestionSet(
                name, [Question(r["question"], holds(seed, r["expect"])) for r in rows], (3,)
            )
        )
    return out


def wiki_sets(limit: int | None) -> list[QuestionSet]:
    rows = [r for r in read_jsonl(EVALS / "squad2_dev6.jsonl") if r.get("expect")][:limit]
    questions = [Question(r["question"], holds(r["source"], r["expect"])) for r in rows]
    return [QuestionSet("squad2_dev6", questions, (1, 3, 5))]


def copy_bbc(target: Path, limit: int | None = None) -> None:
    """All BBC articles (or every ``limit``-th share of them, for a quick try) under bbc/."""
    paths = sorted(BBC.rglob("*.txt"))
    step = max(1, len(paths) // limit) if limit else 1
    for path in paths[::step]:
        dst = target / "bbc" / path.relative_to(BBC)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dst)


def seed_name() -> str:
    return next(p.name for p in sorted((ROOT / "documents").iterdir()) if p.suffix == ".txt")


# --- ranking ------------------------------------------------------------------------------------
def fusions(args: argparse.Namespace) -> Iterator[tuple[str, float]]:
    yield from (("blend", w) for w in args.blend)
    yield from (("rrf", k) for k in args.rrf)


def hit_rates(index: Index, qset: QuestionSet, qvecs: np.ndarray) -> dict[str, float]:
    depth = max(qset.cutoffs)
    hits = index.search_encoded([q.text for q in qset.questions], qvecs, depth)
    out = {}
    for k in qset.cutoffs:
        found = [
            any(q.relevant(h.chunk) for h in row[:k])
            for q, row in zip(qset.questions, hits, strict=True)
        ]
        out[f"top{k}"] = float(np.mean(found))
    return out


def evaluator(sets: Sequence[QuestionSet]) -> Callable[[Index, np.ndarray], dict[str, Any]]:
    """Hit rates of each set, given the vectors of all their questions in order."""

    def evaluate(index: Index, qvecs: np.ndarray) -> dict[str, Any]:
        out, at = {}, 0
        for s in sets:
            out[s.name] = hit_rates(index, s, qvecs[at : at + len(s.questions)])
            at += len(s.questions)
        return out

    return evaluate


def scifact_ndcg(
    index: Index, split: Any, qvecs: np.ndarray, chunk_k: int = 50
) -> dict[str, float]:
    texts = [split.queries[q] for q in split.queries]
    hits = index.search_encoded(texts, qvecs, chunk_k)
    scores = [
        ndcg_at(
            docs_by_max((h.chunk.source.rsplit(".", 1)[0], h.score) for h in row), split.qrels[q]
        )
        for q, row in zip(split.queries, hits, strict=True)
    ]
    return {"ndcg10": float(np.mean(scores))}


def run_set(
    name: str,
    docs: Path,
    evaluate: Callable[[Index, np.ndarray], dict[str, dict[str, float]]],
    questions: list[str],
    args: argparse.Namespace,
    embedder: CachingEmbedder,
) -> list[dict[str, Any]]:
    """Every variant x fusion over one collection: one result row each."""
    settings = IndexSettings(chunker=replace(IndexSettings().chunker, max_words=args.max_words))
    built = chunk_folder(docs, settings)
    print(
        f"{name}: {len(built.chunks)} chunks ({built.seconds:.0f} s to read and chunk)",
        file=sys.stderr,
        flush=True,
    )
    qvecs = embedder.encode(questions)
    rows = []
    for variant in args.variants:
        started = time.monotonic()
        index = variant_index(built, variant, embedder, settings)
        print(
            f"  {variant}: indexed in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        for fusion, param in fusions(args):
            index.settings = replace(settings, fusion=fusion, fusion_param=param)
            for qset_name, figures in evaluate(index, qvecs).items():
                row = {
                    "collection": name,
                    "set": qset_name,
                    "variant": variant,
                    "fusion": fusion,
                    "param": param,
                    **figures,
                }
                rows.append(row)
                print("   ", json.dumps(row), file=sys.stderr, flush=True)
    return rows


def news(tmp: Path, args: argparse.Namespace, embedder: CachingEmbedder) -> list[dict[str, Any]]:
    docs = tmp / "news"
    shutil.copytree(ROOT / "documents", docs)
    copy_bbc(docs, args.bbc_limit)
    sets = news_sets(seed_name())
    questions = [q.text for s in sets for q in s.questions]
    return run_set("news", docs, evaluator(sets), questions, args, embedder)


def wiki(tmp: Path, args: argparse.Namespace, embedder: CachingEmbedder) -> list[dict[str, Any]]:
    docs = tmp / "wiki"
    shutil.copytree(SQUAD, docs)
    copy_bbc(docs, args.bbc_limit)
    (qset,) = wiki_sets(args.squad_limit)
    return run_set(
        "wiki",
        docs,
        lambda index, qvecs: {qset.name: hit_rates(index, qset, qvecs)},
        [q.text for q in qset.questions],
        args,
        embedder,
    )


def scifact(tmp: Path, args: argparse.Namespace, embedder: CachingEmbedder) -> list[dict[str, Any]]:
    docs = tmp / "scifact"
    docs.mkdir()
    write_corpus(docs)
    split = load_split(args.scifact_split)
    return run_set(
        "scifact",
        docs,
        lambda index, qvecs: {f"scifact_{split.name}": scifact_ndcg(index, split, qvecs)},
        list(split.queries.values()),
        args,
        embedder,
    )


COLLECTIONS = {"news": news, "wiki": wiki, "scifact": scifact}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", choices=list(COLLECTIONS), default=list(COLLECTIONS))
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--blend", type=float, nargs="+", default=[0.3, 0.4, 0.5, 0.6, 0.7])
    parser.add_argument("--rrf", type=float, nargs="+", default=[10, 30, 60])
    parser.add_argument("--scifact-split", choices=("train", "test"), default="train")
    parser.add_argument(
        "--squad-limit", type=int, default=None, help="first N answerable questions"
    )
    parser.add_argument("--max-words", type=int, default=IndexSettings().chunker.max_words)
    parser.add_argument("--bbc-limit", type=int, default=None, help="about N BBC files (a try)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="write the rows as JSON lines")
    args = parser.parse_args(argv)
    embedder = CachingEmbedder(load_embedder(None, threads=args.threads))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="docbot-retrieval-") as tmp:
        for name in args.sets:
            rows += COLLECTIONS[name](Path(tmp), args, embedder)
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
