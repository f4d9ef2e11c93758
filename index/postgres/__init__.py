"""The index in PostgreSQL with pgvector (``DOCBOT_STORE=postgresql://...``, issue 14).

Every build is a version (``schema``): its chunks with their vectors in a pgvector column (an
HNSW index per version), their answer-unit vectors, and the BM25 index as one blob. A build
(``writer``) registers its version, writes it, and makes it current in one transaction under an
advisory lock; a reader (``reader.PgIndex``) keeps chunks and BM25 in memory, searches vectors
in PostgreSQL, and :class:`PgStore` tells a worker when another version became current.

Needs the ``postgres`` extra (psycopg 3); nothing here is imported unless the setting is set.
"""

from __future__ import annotations

from index.postgres.store import PgStore

__all__ = ["PgStore"]
