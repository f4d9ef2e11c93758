"""scripts/postgres outside a checkout's .venv: the binaries are found through the Python that
runs docbot ($PYTHON), and their absence is named with the fix, not a failed initdb."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import ROOT

pytestmark = pytest.mark.subprocess


def _postgres(checkout: Path, python: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    env |= {
        "PYTHON": str(python),
        "DOCBOT_PG_DIR": str(checkout / "pg"),
        "DOCBOT_PG_USER": getpass.getuser(),
    }
    return subprocess.run(
        [str(checkout / "scripts" / "postgres"), command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _checkout_without_venv(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "postgres", tmp_path / "scripts" / "postgres")
    return tmp_path


def _python(tmp_path: Path, *flags: str) -> Path:
    wrapper = tmp_path / "python"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {" ".join(flags)} "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def test_missing_binaries_name_the_postgres_extra(tmp_path: Path) -> None:
    checkout = _checkout_without_venv(tmp_path)
    without_site_packages = _python(tmp_path, "-S")
    result = _postgres(checkout, without_site_packages, "start")
    assert result.returncode == 1
    assert "install the postgres extra" in result.stderr
    assert "initdb" not in result.stderr
    assert not (checkout / "pg").exists()


def test_binaries_found_through_python_without_a_venv(tmp_path: Path) -> None:
    checkout = _checkout_without_venv(tmp_path)
    result = _postgres(checkout, _python(tmp_path), "url")
    assert result.returncode == 1
    assert result.stderr.strip() == "scripts/postgres: not running: scripts/postgres start"
