"""What the documents could not answer, in Telegram: every question's outcome recorded
(:func:`record_answer` after an answer, :func:`record_vote` after a 👎), and ``/gaps`` (admins):
the refused and 👎 questions grouped by meaning (:func:`bot.answering.gaps.group`), most asked
first, with a button (``gaps:export``) that sends them as a question set for ``docbot eval``."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.answering.answers import Answer
from bot.answering.gaps import Asked, Gap, eval_lines, group, recheck, wording
from bot.telegram.asked import answer_outcome, scope_key, vote_outcome
from bot.telegram.catalogue import ENGLISH, text
from bot.telegram.context import DocbotContext
from bot.telegram.formatting import escape, split_html
from bot.telegram.replies import (
    GAPS_ALSO,
    GAPS_BY_MANY,
    GAPS_BY_ONE,
    GAPS_EXPORT,
    GAPS_EXPORTED,
    GAPS_LINE,
    GAPS_MORE,
    GAPS_NONE,
    GAPS_NOW,
    GAPS_PRIVATE,
    GAPS_REFUSED,
    GAPS_SCOPE,
    GAPS_TITLE,
    GAPS_USAGE,
    NOT_ADMIN,
)
from bot.telegram.scopes import described
from bot.telegram.sending import typing
from bot.telegram.state import BotState
from index.scope import EVERYTHING, Scope

logger = logging.getLogger("docbot.telegram")

DAYS = 90  # /gaps and its export look this far back
SHOWN = 10  # groups listed in the chat; the export has them all
EXPORT = "gaps:export"


async def record_answer(
    state: BotState, answer: Answer, chat: str, user_id: int, scope: Scope = EVERYTHING
) -> None:
    """Record an answer's outcome, asked in ``scope``; a failure is logged, never shown to the
    asker."""
    await _record(state, lambda asker: answer_outcome(answer, chat, asker, scope=scope), user_id)


async def record_vote(
    state: BotState,
    answer: Answer,
    vote: str,
    chat: str,
    user_id: int,
    scope: Scope = EVERYTHING,
) -> None:
    """Record a 👎 on an answer (other votes are the feedback log's alone)."""
    if vote_outcome(answer, vote, chat, "") is not None:
        await _record(
            state, lambda asker: vote_outcome(answer, vote, chat, asker, scope=scope), user_id
        )


def chat_kind(update: Update) -> str:
    """The kind of the update's chat: private, group, supergroup (or channel)."""
    return str(update.effective_chat.type) if update.effective_chat else "private"


def chat_scope(state: BotState, update: Update) -> Scope:
    """The scope of the update's chat (``DOCBOT_SCOPES``)."""
    chat = update.effective_chat
    return state.scopes.of(chat.id) if chat is not None else EVERYTHING


async def _record(state: BotState, outcome: Callable[[str], Asked | None], user_id: int) -> None:
    """``outcome(asker)`` written to the question log, off the event loop."""

    def write() -> None:
        asked = outcome(state.feedback.user_hash(user_id))
        if asked is not None:
            state.asked.record(asked)

    try:
        await asyncio.to_thread(write)
    except Exception:
        logger.exception("could not record a question's outcome")


def gaps_of(state: BotState, days: float = DAYS, scope: Scope | None = None) -> list[Gap]:
    """The gaps of the last ``days`` days (only those asked in ``scope`` when given), grouped
    with the loaded index's embedder; the first :data:`SHOWN` asked again of the current
    documents (:func:`recheck`), each in the scopes its wordings were asked in."""
    asked: list[Asked] = state.asked.read(since=time.time() - days * 86400)
    if scope is not None:
        asked = [a for a in asked if a.scope == scope_key(scope)]
    if not any(a.gap for a in asked):
        return []
    gaps = group(asked, state.engine.index().embedder)
    keys: dict[str, set[str]] = {}
    for a in asked:
        keys.setdefault(wording(a.question), set()).add(a.scope)
    asked_in = {g.question: {k for w in g.wordings for k in keys[wording(w)]} for g in gaps}
    return recheck(gaps, lambda question: answered(state, question, asked_in[question]), SHOWN)


def answered(state: BotState, question: str, keys: set[str]) -> bool:
    """``question`` is answered now in every scope it was asked in: a question of a chat that
    sees only hr/ is not answered by a finance document. A scope the scopes file no longer has
    cannot be asked again: not answered."""
    state.scopes.refresh()
    known = {scope_key(s): s for s in (state.scopes.map.default, *state.scopes.map.chats.values())}
    known[""] = EVERYTHING
    scopes = [known.get(key) for key in sorted(keys)]
    return all(s is not None and not s.nothing and found_in(state, question, s) for s in scopes)


def found_in(state: BotState, question: str, scope: Scope) -> bool:
    """The engine finds an answer to ``question`` in ``scope`` (an unrestricted scope is not
    passed, as :func:`bot.telegram.questions.ask` does not)."""
    if scope.everything:
        return state.engine.ask(question).found
    return state.engine.ask(question, scope=scope).found


def when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))


def gap_lines(
    gaps: list[Gap], days: float = DAYS, shown: int = SHOWN, language: str = ENGLISH
) -> str:
    """The groups as Telegram HTML."""
    total = sum(g.count for g in gaps)
    lines = [text(language, GAPS_TITLE, days=days, gaps=len(gaps), count=total)]
    for n, gap in enumerate(gaps[:shown], start=1):
        refused = [text(language, GAPS_REFUSED, count=gap.refused)] * bool(gap.refused)
        kinds = ", ".join(refused + [f"👎 {gap.down}"] * bool(gap.down))
        askers = {0: "", 1: text(language, GAPS_BY_ONE)}.get(
            gap.askers, text(language, GAPS_BY_MANY, count=gap.askers)
        )
        lines.append(
            text(
                language,
                GAPS_LINE,
                n=n,
                question=escape(gap.question),
                count=gap.count,
                askers=askers,
                kinds=kinds,
                last=when(gap.last),
            )
        )
        if len(gap.wordings) > 1:
            others = "; ".join(f"“{escape(w)}”" for w in gap.wordings[1:4])
            lines.append(text(language, GAPS_ALSO, wordings=others))
        if gap.answered_now:
            lines.append(text(language, GAPS_NOW))
    if len(gaps) > shown:
        lines.append(text(language, GAPS_MORE, more=len(gaps) - shown))
    return "\n".join(lines)


async def admin_only(update: Update, context: DocbotContext, what: str) -> bool:
    if context.docbot.is_admin(update):
        return True
    user = update.effective_user
    logger.warning("refused %s from non-admin %s", what, user.id if user else "?")
    if update.callback_query is not None:
        await update.callback_query.answer(context.text(NOT_ADMIN), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(context.text(NOT_ADMIN))
    return False


async def gaps_command(update: Update, context: DocbotContext) -> None:
    """``/gaps [CHAT_ID]`` (admins): the questions the documents could not answer, grouped;
    with a chat id, only those asked in that chat's scope."""
    message = update.effective_message
    state = context.docbot
    if message is None or not await admin_only(update, context, "/gaps"):
        return
    if message.chat.type != ChatType.PRIVATE:  # people's questions stay out of groups
        await message.reply_text(context.text(GAPS_PRIVATE))
        return
    scope: Scope | None = None
    heading = ""
    if context.args:
        try:
            chat = int(context.args[0])
        except ValueError:
            await message.reply_text(context.text(GAPS_USAGE))
            return
        scope = state.scopes.of(chat)
        seen = escape(described(scope, context.language))
        heading = context.text(GAPS_SCOPE, chat=chat, scope=seen) + "\n"
    async with typing(message):  # many wordings take a few seconds to encode
        gaps = await asyncio.to_thread(gaps_of, state, DAYS, scope)
    if not gaps:
        await message.reply_html(heading + context.text(GAPS_NONE, days=DAYS))
        return
    parts = split_html(heading + gap_lines(gaps, language=context.language))
    export = InlineKeyboardButton(context.text(GAPS_EXPORT), callback_data=EXPORT)
    button = InlineKeyboardMarkup([[export]])
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await message.reply_html(part, reply_markup=button if last else None)


def export_file(gaps: list[Gap]) -> bytes:
    """The gaps as JSONL lines of the question-set format (:func:`eval_lines`)."""
    lines = (json.dumps(line, ensure_ascii=False) for line in eval_lines(gaps))
    return "".join(line + "\n" for line in lines).encode("utf-8")


async def export_button(update: Update, context: DocbotContext) -> None:
    """The export button under ``/gaps`` (admins): the gaps as a JSONL document."""
    query = update.callback_query
    state = context.docbot
    if query is None or not await admin_only(update, context, "the gaps export"):
        return
    await query.answer()
    gaps = await asyncio.to_thread(gaps_of, state)
    chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
    if not gaps:
        await context.bot.send_message(chat_id, context.text(GAPS_NONE, days=DAYS))
        return
    name = time.strftime("gaps-%Y-%m-%d.jsonl", time.gmtime())
    await context.bot.send_document(
        chat_id,
        io.BytesIO(export_file(gaps)),
        filename=name,
        caption=context.text(GAPS_EXPORTED, gaps=len(gaps)),
    )
