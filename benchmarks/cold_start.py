"""Child process: where a fresh ``docbot ask`` spends its time.

    python -m benchmarks.cold_start --documents DIR --index DIR QUESTION

Does what ``docbot ask`` does, in order, with a timer around each stage: import docbot's CLI
modules, import the model libraries (torch, safetensors, tokenizers: the torch runtime that
``DOCBOT_MODEL_BACKEND=auto`` picks for the default model; docbot imports them lazily when the
model is first needed), load the model, load the index, answer once. Interpreter
start-up is the parent's wall time minus the sum. Prints one JSON line.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("question")
    args = parser.parse_args()
    stages: dict[str, float] = {}
    t = time.perf_counter()
    import bot.cli.chat
    import bot.cli.main  # noqa: F401
    from bot.answering.engine import Engine
    from bot.settings import Settings

    stages["import_docbot"] = time.perf_counter() - t
    t = time.perf_counter()
    import safetensors  # noqa: F401
    import tokenizers  # noqa: F401
    import torch  # noqa: F401

    stages["import_model_libs"] = time.perf_counter() - t
    settings = Settings(documents_dir=Path(args.documents), index_dir=Path(args.index))
    engine = Engine(settings)
    t = time.perf_counter()
    engine.embedder  # noqa: B018 - loads the model
    stages["model_load"] = time.perf_counter() - t
    t = time.perf_counter()
    engine.index()
    stages["index_load"] = time.perf_counter() - t
    t = time.perf_counter()
    answer = engine.ask(args.question)
    stages["first_answer"] = time.perf_counter() - t
    stages["in_process_total"] = time.perf_counter() - STARTED
    print(json.dumps({"stages": stages, "found": answer.found}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
