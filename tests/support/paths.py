"""Where things are: the checkout, its documents, and ../shared (which only this workplace has)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from support.missing import missing

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "documents"
EVALS = ROOT / "tests" / "evals"
SHARED = Path(os.environ.get("DOCBOT_SHARED_DIR", ROOT.parent / "shared"))
SEED_NAME = "kazakhstan-national-security-commission-counter-terrorism-2011-2012.txt"


def shared_path(*parts: str) -> Path:
    """A path in ../shared; skips the test where it is missing, fails instead under CI=true."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        missing(f"{path} is missing: ../shared exists only in the docbot workplace")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
