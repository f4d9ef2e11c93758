"""Errors of the Telegram transport. Each message says how to fix the problem."""

from __future__ import annotations

from bot.telegram.replies import UPLOAD_REJECTED
from index.errors import DocbotError


class UploadRejectedError(DocbotError):
    """An uploaded document was refused; the message says why and what to send instead.
    ``reason`` is a string of :mod:`bot.telegram.replies` (or a reader's own words) and
    ``fields`` fill it, so that a chat gets it in the admin's language (:meth:`said`)."""

    exit_code = 2

    def __init__(self, name: str, reason: str, **fields: object) -> None:
        self.name, self.reason, self.fields = name, reason, fields
        super().__init__(UPLOAD_REJECTED.format(name=repr(name), reason=reason.format(**fields)))


class TokenMissingError(DocbotError):
    exit_code = 2

    def __init__(self) -> None:
        super().__init__(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put "
            "TELEGRAM_BOT_TOKEN=... in .env"
        )


class TokenRejectedError(DocbotError):
    exit_code = 2

    def __init__(self) -> None:
        super().__init__(
            "Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): copy the token again from "
            "@BotFather (/mybots -> API Token) into .env"
        )


class TelegramFailedError(DocbotError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"The Telegram bot stopped: {reason}")


class SecretMissingError(DocbotError):
    exit_code = 2

    def __init__(self) -> None:
        super().__init__(
            "DOCBOT_WEBHOOK_SECRET is not set: with DOCBOT_STORE every webhook worker must send "
            "Telegram the same secret; put DOCBOT_WEBHOOK_SECRET=<letters, digits, _ and -> in "
            "each worker's .env"
        )


class ScopesFileError(DocbotError):
    """The scopes file (``DOCBOT_SCOPES``) cannot be used; the message says what to fix."""

    exit_code = 2

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(
            f"The scopes file {path} (DOCBOT_SCOPES) cannot be used: {reason}. Fix the file "
            '(README, "Groups and scopes") or unset DOCBOT_SCOPES to let every chat see every '
            "document"
        )
