"""The bot token never reaches a log line: a filter on every log handler replaces it, and the
HTTP client libraries stay at WARNING (their DEBUG lines carry request URLs, token included)."""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Iterator


class RedactSecret(logging.Filter):
    """Replaces the secret in a record's message and traceback (attached to log handlers)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secret:
            return True
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, "<token>")
        if record.stack_info and self.secret in record.stack_info:
            record.stack_info = record.stack_info.replace(self.secret, "<token>")
        return True


@contextlib.contextmanager
def redacted_logs(secret: str) -> Iterator[RedactSecret]:
    """While active: httpx/httpcore quiet, and every root log handler redacts ``secret``."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    redact = RedactSecret(secret)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(redact)
    try:
        yield redact
    finally:
        for handler in handlers:
            handler.removeFilter(redact)
