"""Connections to the PostgreSQL store: pgvector's ``vector`` sent and read as numpy arrays
(binary format), and every driver error turned into one :class:`StoreUnreachableError`."""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from index.errors import StoreDriverMissingError, StoreUnreachableError

CONNECT_TIMEOUT_S = 5


def redacted(url: str) -> str:
    """``url`` without its password, for messages and reports."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _dump_vector(vector: np.ndarray) -> bytes:
    """pgvector's binary form: dimension, an unused word, big-endian float4 values."""
    values = np.ascontiguousarray(vector, dtype=">f4").ravel()
    return struct.pack(">HH", len(values), 0) + values.tobytes()


def _load_vector(data: Any) -> np.ndarray:
    dim, _ = struct.unpack_from(">HH", data)
    return np.frombuffer(bytes(data), dtype=">f4", count=dim, offset=4).astype(np.float32)


def _register_vector(conn: Any) -> None:
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import Format
    from psycopg.types import TypeInfo

    info = TypeInfo.fetch(conn, "vector")
    if info is None:
        raise StoreUnreachableError(redacted(conn.info.dsn), "the pgvector extension is missing")
    info.register(conn)

    class VectorDumper(Dumper):
        format = Format.BINARY
        oid = info.oid

        def dump(self, obj: Any) -> bytes:
            return _dump_vector(obj)

    class VectorLoader(Loader):
        format = Format.BINARY

        def load(self, data: Any) -> np.ndarray:
            return _load_vector(data)

    conn.adapters.register_dumper(np.ndarray, VectorDumper)
    conn.adapters.register_loader(info.oid, VectorLoader)


def connect(url: str, *, create_extension: bool = False) -> Any:
    """An autocommit connection (no prepared statements: each query is planned with its
    literal version, which the per-version HNSW index needs)."""
    try:
        import psycopg
    except ImportError as exc:
        raise StoreDriverMissingError() from exc
    with translated(url):
        conn = psycopg.connect(
            url, autocommit=True, prepare_threshold=None, connect_timeout=CONNECT_TIMEOUT_S
        )
        try:
            if create_extension:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            _register_vector(conn)
        except BaseException:
            conn.close()
            raise
    return conn


SCHEMA_LOCK = 0x646F63626F7401  # advisory lock keys: "docbot" + 1 (schema), + 2 (builds)
BUILD_LOCK = 0x646F63626F7402


@contextlib.contextmanager
def translated(url: str) -> Iterator[None]:
    """Connection errors (database down, connection lost, server shut down) as one clean
    error; other database errors are bugs and stay as they are."""
    try:
        import psycopg
    except ImportError as exc:
        raise StoreDriverMissingError() from exc
    try:
        yield
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise StoreUnreachableError(redacted(url), reason) from exc
