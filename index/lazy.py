"""A package's names imported on first use (a module ``__getattr__``, PEP 562), so importing a
light module of the package (its errors, its settings) loads none of the heavy ones."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def names_from(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: each name of ``homes`` comes from the module named
    there, imported the first time the name is asked for and kept in the package after."""
    namespace = sys.modules[package].__dict__

    def attribute(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(home), name)
        namespace[name] = value
        return value

    return attribute
