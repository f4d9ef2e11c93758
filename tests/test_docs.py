"""The documents that describe the code stay in step with it: CONTRIBUTING.md's Layout names
every package folder and module of bot/, index/ and training/, and nothing that does not exist."""

from __future__ import annotations

import re

from support.paths import ROOT

PACKAGES = ("bot", "index", "training")
LAYOUT_LINE = re.compile(r"^- `([^`]+)`: \S", flags=re.M)


def _layout() -> list[str]:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return LAYOUT_LINE.findall(section)


def _code() -> set[str]:
    """Every module (but ``__init__.py``) and every package folder of bot/ and index/."""
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if path.name == "__init__.py":
                found.add(f"{relative.parent.as_posix()}/")
            else:
                found.add(relative.as_posix())
    return found


def test_layout_names_every_package_and_module() -> None:
    named = set(_layout())
    missing = sorted(_code() - named)
    assert not missing, f"CONTRIBUTING.md, Layout: add a line for each of {missing}"


def test_layout_names_only_what_exists() -> None:
    named = _layout()
    gone = [p for p in named if not (ROOT / p.rstrip("/")).exists()]
    assert not gone, f"CONTRIBUTING.md, Layout: {gone} no longer exist: update or remove them"
    assert len(named) == len(set(named)), "CONTRIBUTING.md, Layout: a path is named twice"
