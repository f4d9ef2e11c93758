"""Spans of a text: characters ``[start, end)``, as chunks store their sentences and as the
embedding runtimes pool a sentence's vector out of its passage (``index.embedding``,
``index.bert``)."""

from __future__ import annotations

Span = tuple[int, int]  # characters [start, end) of a text
