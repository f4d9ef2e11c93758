"""``/stats`` (admins): questions per day over the last weeks, answered / not in the documents /
voted 👎, as a small PNG chart (matplotlib, Agg: no display needed) with a one-line caption."""

from __future__ import annotations

import asyncio
import io
import time
from collections import Counter
from dataclasses import dataclass

from telegram import Update

from bot.answering.gaps import ANSWERED, DOWN, REFUSED, Asked
from bot.telegram.catalogue import ENGLISH, text
from bot.telegram.context import DocbotContext
from bot.telegram.gaps import admin_only
from bot.telegram.replies import (
    CHART_ANSWERED,
    CHART_DOWN,
    CHART_QUESTIONS,
    CHART_REFUSED,
    STATS_CAPTION,
    STATS_NONE,
)

DAYS = 30
DAY = 86400


@dataclass(frozen=True)
class Day:
    date: str  # YYYY-MM-DD (UTC)
    answered: int
    refused: int
    down: int


def daily(asked: list[Asked], days: int = DAYS, now: float | None = None) -> list[Day]:
    """One :class:`Day` for each of the last ``days`` days (UTC), today last, empty days too."""
    today = int((time.time() if now is None else now) // DAY)
    counts = Counter((int(a.at // DAY), a.kind) for a in asked)
    return [
        Day(
            time.strftime("%Y-%m-%d", time.gmtime(d * DAY)),
            counts[d, ANSWERED],
            counts[d, REFUSED],
            counts[d, DOWN],
        )
        for d in range(today - days + 1, today + 1)
    ]


def chart(days: list[Day], language: str = ENGLISH) -> bytes:
    """Questions per day as stacked bars (answered, refused) and 👎 as a line: a PNG of a few
    tens of KB."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6.4, 3.0), dpi=100)
    axes = figure.add_subplot()
    x = range(len(days))
    answered = [d.answered for d in days]
    refused = [d.refused for d in days]
    axes.bar(x, answered, color="#4c956c", label=text(language, CHART_ANSWERED))
    axes.bar(x, refused, bottom=answered, color="#d1495b", label=text(language, CHART_REFUSED))
    down = [d.down for d in days]
    axes.plot(x, down, color="#30343f", marker=".", label=text(language, CHART_DOWN))
    step = max(1, len(days) // 6)
    axes.set_xticks(list(x)[::step], [d.date[5:] for d in days][::step])
    axes.set_ylabel(text(language, CHART_QUESTIONS))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False, fontsize="small", loc="lower left", bbox_to_anchor=(0, 1), ncols=3)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def caption(days: list[Day], language: str = ENGLISH) -> str:
    answered = sum(d.answered for d in days)
    refused = sum(d.refused for d in days)
    return text(
        language,
        STATS_CAPTION,
        days=len(days),
        total=answered + refused,
        answered=answered,
        refused=refused,
        down=sum(d.down for d in days),
    )


async def stats_command(update: Update, context: DocbotContext) -> None:
    """``/stats`` (admins): the chart of the last :data:`DAYS` days."""
    message = update.effective_message
    state = context.docbot
    if message is None or not await admin_only(update, context, "/stats"):
        return
    asked = await asyncio.to_thread(state.asked.read, time.time() - DAYS * DAY)
    days = daily(asked)
    if not asked:
        await message.reply_text(context.text(STATS_NONE, days=DAYS))
        return
    png = await asyncio.to_thread(chart, days, context.language)
    said = caption(days, context.language)
    await message.reply_photo(io.BytesIO(png), caption=said, filename="stats.png")
