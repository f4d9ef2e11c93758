"""A real PostgreSQL with pgvector for the ``postgres`` tests: the one DOCBOT_TEST_POSTGRES_URL
names, else the throwaway server of ``scripts/postgres start``; a fresh database per test."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from support.missing import missing
from support.paths import ROOT


def unavailable(reason: str) -> None:
    """Skip the test; under CI=true, where PostgreSQL must be there, fail it instead."""
    missing(f"no PostgreSQL for the postgres tests: {reason}")


@contextmanager
def test_server() -> Iterator[str]:
    """The test server's URL; skips or fails when there is none. A server this session had to
    start (``scripts/postgres start``) is stopped again when the session ends."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is missing: scripts/setup installs the postgres extra")
    given = os.environ.get("DOCBOT_TEST_POSTGRES_URL", "")
    if given:
        yield reachable(given)
        return
    was_running = postgres_script("url").returncode == 0
    started = postgres_script("start")
    if started.returncode != 0:
        unavailable(f"scripts/postgres start failed: {started.stderr.strip()[-300:]}")
    try:
        yield reachable(started.stdout.strip().splitlines()[-1])
    finally:
        if not was_running:
            postgres_script("stop")


def postgres_script(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / "postgres"), command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def reachable(url: str) -> str:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        unavailable(f"cannot connect to {url}: {' '.join(str(exc).split())[:300]}")
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new empty database on the server at ``url`` for one test; dropped afterwards."""
    import psycopg

    name = f"docbot_test_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def execute(url: str, sql: str, *params: Any) -> None:
    """Run one statement that returns no rows (a test's change behind the code's back)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql, params)


def query(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(sql, params).fetchall())
