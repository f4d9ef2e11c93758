"""What a test needs from the machine (../shared, PostgreSQL, Tesseract, an optional package):
missing, the test is skipped and says why; under CI=true, where everything must be there, it
fails instead."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def missing(message: str) -> None:
    """Skip the test with ``message``; under CI=true fail it."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def module(name: str, install: str) -> ModuleType:
    """The module ``name``, imported, or :func:`missing` saying how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"{name} is not installed: {install}")
        raise  # not reached: missing() raises pytest's outcome
