"""Single-sentence baselines on SQuAD: does the best sentence of the collection hold a gold answer?

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m benchmarks.squad_answers

Splits the six articles of ``../shared/corpora/squad2-dev6/documents`` (title, blank line, then
paragraphs separated by blank lines) into sentences with a simple rule (``.``, ``!`` or ``?``,
then white space and a capital letter), and for each of the 1,302 answerable questions of
``../shared/evals/squad2_dev6.jsonl`` (``expect`` not empty) picks the single best sentence of
the whole collection by

- ``bm25``: BM25 (bm25s, k1 1.2, b 0.75) over the product's tokens (``index.text.tokenize``:
  lower-cased, English stop words out, PyStemmer English stems), via ``SparseIndex``;
- ``dense``: cosine of all-MiniLM-L6-v2 vectors (``index.embedding.load_embedder``);
- ``hybrid``: ``w * minmax(bm25) + (1 - w) * minmax(cosine)``, both min-max normalised over all
  sentences of the collection for that question (``--weight``, default 0.5).

For each it reports the share of questions whose chosen sentence contains a gold answer
(``bot.answering.matching.contains``: SQuAD normalisation, then a whole-word substring test),
the share whose sentence comes from the question's own article, and the mean number of words
(white-space separated) of the chosen sentences. ``oracle`` is the share of questions for which
some sentence of the collection contains a gold answer (the ceiling of any sentence picker with
this split); ``random`` is the expected share for a sentence drawn at random from the whole
collection (how often short or common gold answers turn up by chance). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from benchmarks.corpus import EVALS, SHARED, read_jsonl

DOCUMENTS = SHARED / "corpora" / "squad2-dev6" / "documents"
QUESTIONS = EVALS / "squad2_dev6.jsonl"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Sentence:
    source: str  # file name, as the eval's ``source`` gives it
    text: str


@dataclass(frozen=True)
class Question:
    text: str
    source: str
    golds: tuple[str, ...]


def split_sentences(paragraph: str) -> list[str]:
    """A paragraph's sentences: a split after ``.``/``!``/``?`` + white space + a capital."""
    flat = " ".join(paragraph.split())
    return [s for s in _SENTENCE_END.split(flat) if s]


def read_sentences(documents: Path) -> list[Sentence]:
    """Every sentence of every ``.txt`` file's paragraphs (the title line left out)."""
    out: list[Sentence] = []
    for path in sorted(documents.glob("*.txt")):
        blocks = _PARAGRAPH_BREAK.split(path.read_text(encoding="utf-8").strip())
        for paragraph in blocks[1:]:
            out.extend(Sentence(path.name, s) for s in split_sentences(paragraph))
    return out


def read_questions(path: Path) -> list[Question]:
    """The answerable questions (``expect`` not empty)."""
    out = []
    for row in read_jsonl(path):
        golds = tuple(str(g) for g in cast(list[object], row.get("expect") or []))
        if golds:
            out.append(Question(str(row["question"]), str(row["source"]), golds))
    return out


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scores scaled to [0, 1] (all zeros when they are all equal)."""
    lo, hi = float(scores.min()), float(scores.max())
    if hi <= lo:
        return np.zeros_like(scores, dtype=np.float32)
    return ((scores - lo) / (hi - lo)).astype(np.float32)


def evaluate(
    picks: list[int], sentences: list[Sentence], questions: list[Question]
) -> dict[str, float]:
    """Share of picked sentences holding a gold answer, from the right article; mean words."""
    from bot.answering.matching import contains

    chosen = [sentences[i] for i in picks]
    hits = [contains(s.text, q.golds) for s, q in zip(chosen, questions, strict=True)]
    same = [s.source == q.source for s, q in zip(chosen, questions, strict=True)]
    return {
        "contains_gold": sum(hits) / len(hits),
        "right_article": sum(same) / len(same),
        "mean_words": sum(len(s.text.split()) for s in chosen) / len(chosen),
    }


def run(documents: Path, questions_file: Path, weight: float, threads: int) -> dict[str, Any]:
    from bot.answering.matching import normalized
    from index.embedding import load_embedder
    from index.sparse import SparseIndex

    sentences = read_sentences(documents)
    questions = read_questions(questions_file)
    texts = [s.text for s in sentences]

    t0 = time.perf_counter()
    sparse = SparseIndex.build(texts)
    bm25 = np.stack([sparse.scores(q.text) for q in questions])  # questions x sentences
    bm25_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    embedder = load_embedder(threads=threads)
    sentence_vectors = embedder.encode(texts)
    question_vectors = embedder.encode([q.text for q in questions])
    cosine = question_vectors @ sentence_vectors.T
    dense_s = time.perf_counter() - t0

    hybrid = np.stack(
        [weight * minmax(b) + (1.0 - weight) * minmax(c) for b, c in zip(bm25, cosine, strict=True)]
    )
    # Which sentences hold a gold answer, per question (``contains``'s test, texts normalised once).
    padded = [f" {normalized(t)} " for t in texts]
    holding = [
        sum(any(g in t for g in golds) for t in padded) if golds else 0
        for golds in ([f" {normalized(g)} " for g in q.golds if normalized(g)] for q in questions)
    ]
    words = [len(t.split()) for t in texts]
    return {
        "documents": str(documents),
        "questions": len(questions),
        "sentences": len(sentences),
        "sentence_words_mean": sum(words) / len(words),
        "oracle": sum(h > 0 for h in holding) / len(holding),
        "random": sum(h / len(texts) for h in holding) / len(holding),
        "model": embedder.model_id,
        "hybrid_weight_bm25": weight,
        "bm25": evaluate([int(i) for i in bm25.argmax(axis=1)], sentences, questions),
        "dense": evaluate([int(i) for i in cosine.argmax(axis=1)], sentences, questions),
        "hybrid": evaluate([int(i) for i in hybrid.argmax(axis=1)], sentences, questions),
        "seconds": {"bm25": round(bm25_s, 2), "dense": round(dense_s, 2)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=Path, default=DOCUMENTS)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--weight", type=float, default=0.5, help="BM25's share of the blend")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the embedder")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.documents, args.questions, args.weight, args.threads)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
