"""Benchmark collections, always written to temporary folders (never into the project).

- :func:`bbc_folder`: the seed article (``documents/``) plus the BBC corpus of
  ``../shared/corpora/bbc-news`` under ``bbc-news/<section>/``, minus a few held-out articles
  that the incremental-update figure adds back one at a time.
- :func:`questions`: the shared question sets plus questions made from BBC headlines, to get
  200 distinct questions for the latency figures.
- :func:`synthetic_documents`: files of "real-ish" sentences for the 100k-chunk memory figure.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import ROOT

SHARED = ROOT.parent / "shared"
BBC = SHARED / "corpora" / "bbc-news"
EVALS = SHARED / "evals"
SEED_DIR = ROOT / "documents"
BBC_PREFIX = "bbc-news"
SECTIONS = ("business", "entertainment", "politics", "sport", "tech")


@dataclass(frozen=True)
class Collection:
    documents: Path  # the documents folder to index
    held_out: tuple[Path, ...]  # BBC articles kept out, to add one by one
    files: int  # files in ``documents``


def read_jsonl(path: Path) -> list[dict[str, object]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def seed_sources() -> list[str]:
    return sorted(p.name for p in SEED_DIR.iterdir() if p.is_file() and not p.name.startswith("."))


def bbc_articles() -> list[str]:
    """All BBC articles as ``section/name.txt``, in name order."""
    return [f"{s}/{p.name}" for s in SECTIONS for p in sorted((BBC / s).glob("*.txt"))]


def bbc_folder(target: Path, limit: int | None = None, hold_out: int = 3) -> Collection:
    """Seed + BBC (or ``limit`` BBC articles, always including those ``bbc_dev`` names)."""
    documents = target / "documents"
    held = target / "held_out"
    documents.mkdir(parents=True)
    held.mkdir()
    for name in seed_sources():
        shutil.copy(SEED_DIR / name, documents / name)
    named = {str(q["source"]) for q in read_jsonl(EVALS / "bbc_dev.jsonl")} - {"SEED"}
    articles = bbc_articles()
    rng = random.Random(6)
    out_pool = [a for a in articles if a not in named]
    held_out = rng.sample(out_pool, hold_out)
    chosen = [a for a in articles if a not in held_out]
    if limit is not None:
        rest = [a for a in chosen if a not in named]
        chosen = sorted(named | set(random.Random(7).sample(rest, max(0, limit - len(named)))))
    for rel in chosen:
        dest = documents / BBC_PREFIX / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(BBC / rel, dest)
    held_paths = []
    for rel in held_out:
        dest = held / rel.replace("/", "__")
        shutil.copy(BBC / rel, dest)
        held_paths.append(dest)
    files = sum(1 for p in documents.rglob("*") if p.is_file())
    return Collection(documents, tuple(held_paths), files)


def add_held_out(collection: Collection, i: int) -> str:
    """Copy held-out article ``i`` into the documents folder; returns its source name."""
    path = collection.held_out[i]
    section, name = path.name.split("__", 1)
    rel = f"{BBC_PREFIX}/{section}/{name}"
    dest = collection.documents / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, dest)
    return rel


def expected_sources(source: str) -> set[str]:
    """Documents-relative names that count as the answer's file for an eval ``source``."""
    if source == "SEED":
        return set(seed_sources())
    return {f"{BBC_PREFIX}/{source}"}


def dev_questions() -> list[dict[str, object]]:
    """``bbc_dev.jsonl``: question, source (and expect)."""
    return read_jsonl(EVALS / "bbc_dev.jsonl")


def questions(documents: Path, n: int = 200) -> list[str]:
    """``n`` distinct questions: the shared sets first, then questions from BBC headlines."""
    out: list[str] = []
    for name in ("bbc_dev.jsonl", "seed_dev.jsonl", "offtopic_dev.jsonl"):
        out.extend(str(q["question"]) for q in read_jsonl(EVALS / name))
    heads = []
    for path in sorted((documents / BBC_PREFIX).rglob("*.txt")):
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.readline().strip()
        if head:
            heads.append(head)
    rng = random.Random(200)
    rng.shuffle(heads)
    forms = ("What happened: {}?", "What do the documents say about {}?", "Why {}?", "{}?")
    for i, head in enumerate(heads):
        if len(out) >= n:
            break
        q = forms[i % len(forms)].format(head[0].lower() + head[1:])
        if q not in out:
            out.append(q)
    while len(out) < n:  # tiny --limit runs: repeat with a suffix to stay distinct
        out.append(f"{out[len(out) % min(20, len(out))]} ({len(out)})")
    return out[:n]


_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\S+")


def bbc_sentences() -> list[str]:
    """Sentences of the whole BBC corpus (a simple split: enough for synthetic text)."""
    out: list[str] = []
    for rel in bbc_articles():
        text = (BBC / rel).read_text(encoding="utf-8", errors="replace")
        for para in text.split("\n")[1:]:
            out.extend(s for s in _SENTENCE.split(para.strip()) if len(s.split()) >= 5)
    return out


def synthetic_documents(target: Path, chunks: int, max_words: int, seed: int = 100) -> int:
    """Files of sentences sampled from BBC, about ``chunks`` chunks of ``max_words`` in all.

    Each sentence has about a third of its words swapped for random corpus words, so that no
    two chunks share sentences and the chunker's dedup keeps them all. Returns the word count.
    """
    rng = random.Random(seed)
    sentences = bbc_sentences()
    vocabulary = [w for s in rng.sample(sentences, 5000) for w in _WORD.findall(s)]
    words_total = 0
    target.mkdir(parents=True, exist_ok=True)
    per_file = 40  # chunks per file
    for f in range((chunks + per_file - 1) // per_file):
        paras = []
        for _ in range(per_file):
            words = 0
            para: list[str] = []
            while True:
                sentence = _WORD.findall(rng.choice(sentences))
                if words + len(sentence) > max_words and para:
                    break
                for i in range(len(sentence)):
                    if rng.random() < 0.35:
                        sentence[i] = rng.choice(vocabulary)
                para.append(" ".join(sentence))
                words += len(sentence)
            paras.append(" ".join(para))
            words_total += words
        (target / f"synthetic-{f:05d}.txt").write_text(
            f"Synthetic file {f}\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8"
        )
    return words_total
