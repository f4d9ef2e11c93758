"""The technical training set (issue 23): training/technical.jsonl over the documents of
training/technical/documents (SOURCE.md). Training data, never a measure: its shape is checked
here without a model, and it must share no document or project with the development set."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from support.paths import read_jsonl
from test_technical_eval import HELD_OUT, document_text

from benchmarks.technical import DOCUMENTS as DEVELOPMENT_DOCUMENTS
from benchmarks.technical import KINDS

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ROOT / "training" / "technical" / "documents"
QUESTIONS = ROOT / "training" / "technical.jsonl"


def rows() -> list[dict[str, Any]]:
    return read_jsonl(QUESTIONS)


def test_the_set_has_enough_questions_of_each_kind() -> None:
    kinds = Counter(r["kind"] for r in rows())
    assert set(kinds) == set(KINDS)
    assert sum(n for k, n in kinds.items() if k != "offtopic") >= 200
    assert kinds["offtopic"] >= 120
    assert min(kinds.values()) >= 20
    near = sum(1 for r in rows() if r["kind"] == "offtopic" and r.get("near"))
    assert near >= 0.6 * kinds["offtopic"]
    ids = [r["id"] for r in rows()]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("t-") for i in ids)


def test_every_expected_string_is_in_its_document_verbatim() -> None:
    texts = {p.name: document_text(p) for p in DOCUMENTS.iterdir()}
    answerable = [r for r in rows() if r["kind"] != "offtopic"]
    unanswerable = [r for r in rows() if r["kind"] == "offtopic"]
    assert all(r["expect"] and r["source"] in texts for r in answerable)
    missing = [
        (r["id"], e)
        for r in answerable
        for e in r["expect"]
        if " ".join(e.split()).lower() not in texts[r["source"]]
    ]
    assert missing == []
    assert not any("expect" in r or "source" in r for r in unanswerable)
    assert {r["near"] for r in unanswerable if r.get("near")} <= set(texts)


def test_every_document_has_questions() -> None:
    sources = Counter(r["source"] for r in rows() if r["kind"] != "offtopic")
    assert {p.name for p in DOCUMENTS.iterdir()} == set(sources)
    assert min(sources.values()) >= 5


def test_the_documents_are_listed_and_share_nothing_with_the_development_set() -> None:
    source = (DOCUMENTS.parent / "SOURCE.md").read_text(encoding="utf-8")
    names = sorted(p.name for p in DOCUMENTS.iterdir())
    assert 14 <= len(names) <= 20
    assert sum(p.stat().st_size for p in DOCUMENTS.iterdir()) < 1_500_000
    development = {p.name.split("-")[0].split(".")[0] for p in DEVELOPMENT_DOCUMENTS.iterdir()}
    for name in names:
        assert f"`documents/{name}`" in source
        assert not any(h in name for h in HELD_OUT)
        assert name.split("-")[0].split(".")[0] not in development, name
        assert "pip" not in name.split("-")[0]
