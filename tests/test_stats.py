"""``/stats`` (issue 25): questions per day (answered, refused, 👎) counted per UTC day and drawn
as a small PNG; end to end, an admin gets a photo and anyone else a refusal."""

from __future__ import annotations

import time
from pathlib import Path

from support.bots import ADMIN, USER, RunningBot, settle
from support.fakebotapi import FakeBotAPI
from support.scripted import scripted

from bot.answering.gaps import ANSWERED, DOWN, REFUSED, Asked
from bot.telegram.asked import AskedLog, asked_file
from bot.telegram.replies import NOT_ADMIN
from bot.telegram.stats import DAY, caption, chart, daily

PNG = b"\x89PNG\r\n\x1a\n"
NOW = 20_000 * DAY + 3600.0  # 2024-10-04 01:00 UTC


def test_daily_counts_every_day_of_the_window() -> None:
    asked = [
        Asked(ANSWERED, NOW, "private"),
        Asked(ANSWERED, NOW - 3000, "group"),  # the same UTC day
        Asked(REFUSED, NOW - 2 * DAY, "private", "q?"),
        Asked(DOWN, NOW - 2 * DAY, "private", "p?"),
        Asked(REFUSED, NOW - 40 * DAY, "private", "old?"),  # outside the window
    ]
    days = daily(asked, days=30, now=NOW)
    assert len(days) == 30 and days[-1].date == "2024-10-04"
    assert (days[-1].answered, days[-1].refused) == (2, 0)
    assert (days[-3].refused, days[-3].down) == (1, 1)
    assert sum(d.answered + d.refused + d.down for d in days) == 4
    assert caption(days).startswith("Last 30 days: 3 question(s), 2 answered, 1 not in")


def test_the_chart_is_a_small_png() -> None:
    asked = [Asked(ANSWERED, NOW - d * DAY, "private") for d in range(30) for _ in range(d % 7)]
    png = chart(daily(asked, now=NOW))
    assert png.startswith(PNG)
    assert 5_000 < len(png) < 60_000


def test_stats_sends_admins_a_chart(fake_bot_api: FakeBotAPI, tmp_path: Path) -> None:
    api = fake_bot_api
    settings, engine = scripted(api, tmp_path)
    log = AskedLog(asked_file(settings.feedback_file))
    now = time.time()
    for d in range(10):
        log.record(Asked(ANSWERED, now - d * DAY, "private"))
        log.record(Asked(REFUSED, now - d * DAY, "group", "where to park?"))
    with RunningBot(settings, engine, api):
        api.private_text(USER, "/stats")
        assert api.wait_sent(USER)[0].params["text"] == NOT_ADMIN
        api.private_text(ADMIN, "/stats")
        photos = api.wait_for(lambda: api.calls_to("sendPhoto") or None)
        settle(api)
    assert len(photos) == 1 and str(photos[0].params["chat_id"]) == str(ADMIN)
    assert photos[0].params["caption"].startswith("Last 30 days: 20 question(s), 10 answered")
    ((_, content),) = photos[0].files.values()
    assert content.startswith(PNG) and len(content) < 60_000
