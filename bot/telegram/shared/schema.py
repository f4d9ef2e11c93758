"""The shared state's tables, created when missing (idempotent, serialized by an advisory lock
so that workers starting together do not race). Every table is keyed by the bot id. A column
added later is an ``ADD COLUMN IF NOT EXISTS`` after its table, nullable, so that a database
made by an earlier version gains it at the next start and its old rows read as before."""

from __future__ import annotations

from typing import Any

from index.postgres.connection import SCHEMA_LOCK

TABLES = (
    """CREATE TABLE IF NOT EXISTS bot_claims (
        bot_id text NOT NULL,
        update_key text NOT NULL,
        update_id bigint NOT NULL,
        chat_key bigint NOT NULL,
        raw jsonb NOT NULL,
        worker text NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        done_at timestamptz,
        PRIMARY KEY (bot_id, update_key))""",
    """CREATE INDEX IF NOT EXISTS bot_claims_open_by_chat
        ON bot_claims (bot_id, chat_key, update_id) WHERE done_at IS NULL""",
    """CREATE INDEX IF NOT EXISTS bot_claims_open_by_age
        ON bot_claims (bot_id, claimed_at) WHERE done_at IS NULL""",
    """CREATE TABLE IF NOT EXISTS bot_turns (
        bot_id text NOT NULL,
        conversation_id text NOT NULL,
        seq bigserial,
        at timestamptz NOT NULL DEFAULT now(),
        turn jsonb NOT NULL,
        PRIMARY KEY (bot_id, conversation_id, seq))""",
    "CREATE INDEX IF NOT EXISTS bot_turns_by_age ON bot_turns (bot_id, at)",
    """CREATE TABLE IF NOT EXISTS bot_answer_messages (
        bot_id text NOT NULL,
        chat_id bigint NOT NULL,
        message_id bigint NOT NULL,
        conversation_id text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (bot_id, chat_id, message_id))""",
    """CREATE INDEX IF NOT EXISTS bot_answer_messages_by_age
        ON bot_answer_messages (bot_id, at)""",
    """CREATE TABLE IF NOT EXISTS bot_rate (
        bot_id text NOT NULL,
        user_id bigint NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp())""",
    "CREATE INDEX IF NOT EXISTS bot_rate_by_user ON bot_rate (bot_id, user_id, at)",
    """CREATE TABLE IF NOT EXISTS bot_votes (
        bot_id text NOT NULL,
        seq bigserial,
        at timestamptz NOT NULL DEFAULT now(),
        vote jsonb NOT NULL,
        PRIMARY KEY (bot_id, seq))""",
    """CREATE TABLE IF NOT EXISTS bot_answers (
        bot_id text NOT NULL,
        key text NOT NULL,
        seq bigserial,
        chat_id bigint NOT NULL,
        answer jsonb NOT NULL,
        created timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (bot_id, key))""",
    "CREATE INDEX IF NOT EXISTS bot_answers_by_age ON bot_answers (bot_id, seq)",
    """CREATE TABLE IF NOT EXISTS bot_asked (
        bot_id text NOT NULL,
        seq bigserial,
        at timestamptz NOT NULL,
        kind text NOT NULL,
        chat text NOT NULL,
        question text,
        asker text,
        PRIMARY KEY (bot_id, seq))""",
    "CREATE INDEX IF NOT EXISTS bot_asked_by_time ON bot_asked (bot_id, at)",
    # the chat's scope key (DOCBOT_SCOPES), NULL for everything; added to tables made before
    "ALTER TABLE bot_asked ADD COLUMN IF NOT EXISTS scope text",
    """CREATE TABLE IF NOT EXISTS bot_secrets (
        bot_id text NOT NULL,
        name text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (bot_id, name))""",
    """CREATE TABLE IF NOT EXISTS bot_requests (
        bot_id text NOT NULL,
        id text NOT NULL,
        chat_id bigint NOT NULL,
        user_id bigint NOT NULL,
        question text NOT NULL,
        reply_to bigint,
        topic bigint,
        asked_at timestamptz NOT NULL DEFAULT now(),
        checked text NOT NULL DEFAULT '',
        claimed_by text,
        claimed_until timestamptz,
        PRIMARY KEY (bot_id, id))""",
    """CREATE UNIQUE INDEX IF NOT EXISTS bot_requests_one_per_question
        ON bot_requests (bot_id, chat_id, user_id, lower(question))""",
    # the asker's language when they asked ("": the chat's last known); added to tables made before
    "ALTER TABLE bot_requests ADD COLUMN IF NOT EXISTS language text NOT NULL DEFAULT ''",
)


def create(conn: Any) -> None:
    """Create what is missing (a blocking autocommit connection)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        for statement in TABLES:
            conn.execute(statement)
