"""A regular (not editable) install carries every package of bot/ and index/: each matches a
pattern of pyproject's ``packages.find.include`` (setuptools matches them with fnmatch)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatchcase

from support.paths import ROOT


def test_every_package_is_installed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {
        init.parent.relative_to(ROOT).as_posix().replace("/", ".")
        for top in ("bot", "index")
        for init in (ROOT / top).rglob("__init__.py")
    }
    left_out = sorted(p for p in packages if not any(fnmatchcase(p, i) for i in include))
    assert not left_out, f"pyproject.toml, packages.find.include: add {left_out}"
