"""Data flows one way: ``index/`` never imports ``bot/``; benchmark-only packages stay out."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT


def _imports(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[path.relative_to(ROOT).as_posix()] = names
    return found


def test_index_never_imports_bot() -> None:
    offenders = {f: n for f, n in _imports(ROOT / "index").items() if "bot" in n}
    assert offenders == {}


def test_product_never_imports_benchmark_only_packages() -> None:
    for package in ("index", "bot"):
        offenders = {f: n for f, n in _imports(ROOT / package).items() if n & {"txtai", "pytest"}}
        assert offenders == {}
