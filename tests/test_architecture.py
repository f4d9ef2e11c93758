"""The arrows run one way: cli -> telegram -> answering -> index. Settings and errors flow
downward; benchmark-only packages stay out of the product; no two modules import each other,
and naming an error or reading the settings loads no model library."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.paths import ROOT

PRODUCT = ("bot", "index")
# Libraries that take seconds to import: an error class or the settings must not load them.
TYPE_CHECKING = ("TYPE_CHECKING", "typing.TYPE_CHECKING")
HEAVY = ("faiss", "torch", "sentence_transformers", "transformers", "psycopg", "onnxruntime")


def _imports(where: Path, depth: int = 1) -> dict[str, set[str]]:
    """For each module at or under ``where``: the modules it imports anywhere (in functions
    too), cut to their first ``depth`` dotted parts."""
    found: dict[str, set[str]] = {}
    for path in [where] if where.is_file() else sorted(where.rglob("*.py")):
        names: set[str] = set()
        for node in _run_imports(ast.parse(path.read_text(encoding="utf-8"))):
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


def test_settings_import_no_layer_of_bot() -> None:
    """Every layer reads the settings; the settings read only index's own (cheap) settings."""
    assert _offenders("bot/settings.py", {"bot.answering", "bot.telegram", "bot.cli"}, 2) == {}


def test_the_arrow_check_sees_an_upward_import(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def f():\n    from bot.cli.main import main\n")
    assert _imports(tmp_path, 2) == {"m.py": {"bot.cli"}}


def test_product_never_imports_benchmark_only_packages() -> None:
    for package in ("index", "bot"):
        offenders = {
            f: n
            for f, n in _imports(ROOT / package).items()
            if n & {"txtai", "pytest", "training", "benchmarks"}
        }
        assert offenders == {}


def _run_imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements under ``node`` that can run, in functions too; those under
    ``if TYPE_CHECKING:`` only name types for the type checker and never run."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and ast.unparse(child.test) in TYPE_CHECKING:
            for other in child.orelse:
                yield from _run_imports(ast.Module(body=[other], type_ignores=[]))
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _run_imports(child)


def _module_graph(root: Path) -> dict[str, set[str]]:
    """For each module of bot/ and index/ under ``root``: the modules of bot/ and index/ it
    imports anywhere in its file (:func:`_run_imports`). ``from a import b`` counts as
    importing ``a.b`` when that is a module, else ``a`` (importing a submodule runs its
    package's ``__init__`` too, but every submodule depends on its package that way, so that
    edge is left out)."""
    paths: dict[str, Path] = {}
    for package in PRODUCT:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        imported: set[str] = set()
        for node in _run_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    imported.add(sub if sub in paths else node.module)
        graph[name] = {m for m in imported if m in paths and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles of ``graph`` (at least one in each tangle of modules), each as the modules along
    it with the first repeated at the end."""
    found: list[list[str]] = []
    done: set[str] = set()

    def walk(name: str, path: list[str]) -> None:
        for nxt in sorted(graph[name]):
            if nxt in path:
                cycle = [*path[path.index(nxt) :], nxt]
                if not any(set(cycle) == set(seen) for seen in found):
                    found.append(cycle)
            elif nxt not in done:
                walk(nxt, [*path, nxt])
        done.add(name)

    for name in sorted(graph):
        if name not in done:
            walk(name, [name])
    return found


def test_no_import_cycles() -> None:
    """No module of bot/ or index/ imports, directly or through others, one that imports it.

    Imports inside functions count: a lazy import defers the cost of loading a module, not
    the dependency. Two modules that need each other can be neither read nor tested apart, and
    both cycles issue 21 found had one lazy side. Imports under ``if TYPE_CHECKING:`` do not
    count: they run nothing, and naming a type (``Chunk`` in a signature) is the one use a
    module may make of another that also uses it."""
    assert _cycles(_module_graph(ROOT)) == []


def test_the_cycle_check_sees_a_lazy_cycle(tmp_path: Path) -> None:
    (tmp_path / "index").mkdir()
    (tmp_path / "bot").mkdir()
    (tmp_path / "index" / "a.py").write_text("from index.b import thing\n")
    (tmp_path / "index" / "b.py").write_text("def f():\n    from index import a\n")
    (tmp_path / "bot" / "c.py").write_text("import index.a\n")
    # a type named for the checker only is no cycle
    (tmp_path / "index" / "c.py").write_text("from index.d import thing\n")
    (tmp_path / "index" / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from index.c import C\n"
    )
    assert _cycles(_module_graph(tmp_path)) == [["index.a", "index.b", "index.a"]]


def _loaded(modules: list[str], libraries: tuple[str, ...]) -> list[str]:
    """Which of ``libraries`` a fresh interpreter has loaded after importing ``modules``."""
    probe = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in {libraries!r} if m in sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout)
    return loaded


@pytest.mark.subprocess
def test_errors_and_settings_load_no_model_library() -> None:
    """A fresh interpreter that imports the settings and every errors module has loaded none
    of the heavy libraries: naming an error or reading a setting costs no model import."""
    errors = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for package in PRODUCT
        for p in (ROOT / package).rglob("errors.py")
    )
    assert len(errors) >= 3  # index, answering, telegram at least
    assert _loaded(["index.errors", "bot.settings", *errors], HEAVY) == []


@pytest.mark.subprocess
def test_the_folder_store_needs_no_postgres_driver() -> None:
    assert _loaded(["index.store"], ("psycopg",)) == []


def test_the_package_verbs_stay_the_functions() -> None:
    """``from index import build, load`` gives the verbs, also once every module is loaded (a
    submodule named like a verb would replace it on the package)."""
    code = (
        "import importlib, pkgutil, index\n"
        "for m in pkgutil.walk_packages(index.__path__, 'index.'):\n"
        "    if not m.name.startswith('index.postgres'):\n"
        "        importlib.import_module(m.name)\n"
        "from index import build, load\n"
        "assert callable(build) and callable(load), (build, load)\n"
        "assert build.__module__ == 'index.builder', build\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
