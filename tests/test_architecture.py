"""The arrows run one way: cli -> telegram -> answering -> index. Settings and errors flow
downward; benchmark-only packages stay out of the product."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support.paths import ROOT


def _imports(where: Path, depth: int = 1) -> dict[str, set[str]]:
    """For each module at or under ``where``: the modules it imports anywhere (in functions
    too), cut to their first ``depth`` dotted parts."""
    found: dict[str, set[str]] = {}
    for path in [where] if where.is_file() else sorted(where.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            else:
                continue
            names.update(".".join(m.split(".")[:depth]) for m in modules)
        found[path.name if where.is_file() else path.relative_to(where).as_posix()] = names
    return found


def _offenders(folder: str, forbidden: set[str], depth: int) -> dict[str, set[str]]:
    imports = _imports(ROOT / folder, depth)
    assert imports, f"no modules at {folder}"
    return {f: names & forbidden for f, names in imports.items() if names & forbidden}


@pytest.mark.parametrize(
    ("folder", "forbidden", "depth"),
    [
        ("index", {"bot"}, 1),
        ("bot/answering", {"bot.telegram", "bot.cli"}, 2),
        ("bot/telegram", {"bot.cli"}, 2),
    ],
)
def test_layers_import_only_downward(folder: str, forbidden: set[str], depth: int) -> None:
    assert _offenders(folder, forbidden, depth) == {}


def test_settings_depend_on_nothing_above_answering() -> None:
    assert _offenders("bot/settings.py", {"bot.telegram", "bot.cli"}, 2) == {}


def test_the_arrow_check_sees_an_upward_import(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def f():\n    from bot.cli.main import main\n")
    assert _imports(tmp_path, 2) == {"m.py": {"bot.cli"}}


def test_product_never_imports_benchmark_only_packages() -> None:
    for package in ("index", "bot"):
        offenders = {f: n for f, n in _imports(ROOT / package).items() if n & {"txtai", "pytest"}}
        assert offenders == {}
