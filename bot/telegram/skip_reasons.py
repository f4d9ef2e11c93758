"""Why a file was skipped, in the reader's language: the manifest keeps each skipped file's
English ``reason`` and, from builds that know it, the reason's template of
:mod:`index.reasons` with its fields; the template is a ``msgid`` of the catalogues
(:mod:`bot.telegram.catalogue`). A reason without a template (an old manifest, a library's
own message) or whose fields no longer fit its template reads as the stored English."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.telegram.catalogue import text

logger = logging.getLogger("docbot.telegram")


def skip_reason(skipped: Mapping[str, Any], language: str) -> str:
    """The reason of one ``skipped`` entry (as the manifest keeps it) in ``language``."""
    english = str(skipped.get("reason", ""))
    template, fields = skipped.get("template"), skipped.get("fields") or {}
    if not template or not isinstance(template, str) or not isinstance(fields, Mapping):
        return english
    try:
        return text(language, template, **fields)
    except (KeyError, IndexError, ValueError, TypeError):
        logger.warning("a skip reason that does not fit its template: %r", template)
        return english
