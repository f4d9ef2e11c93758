"""The webhook server of the shared-state workers (``DOCBOT_STORE`` and ``DOCBOT_WEBHOOK_URL``
set). PTB's own server acknowledges an update as soon as it is queued; this one (on tornado,
which PTB brings) checks the secret header, claims the update in PostgreSQL and only then
answers 200 (:class:`~bot.telegram.workers.ClaimingWorker`)."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from telegram import Update
from tornado.httpserver import HTTPServer
from tornado.web import Application as TornadoApp
from tornado.web import RequestHandler

from bot.settings import Settings
from bot.telegram.delivery import AnyApplication
from bot.telegram.shared.claims import Claims
from bot.telegram.shared.state import SharedState
from bot.telegram.workers import ClaimingWorker

logger = logging.getLogger("docbot.workers")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateHandler(RequestHandler):
    """``POST <path>``: 403 without the secret, 400 for what is not an update, else what the
    worker says (200 claimed or already claimed, 503 database unreachable)."""

    def initialize(self, worker: ClaimingWorker, secret: str) -> None:
        self.worker, self.secret = worker, secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            logger.warning("webhook call without the right secret from %s", self.request.remote_ip)
            self.set_status(403)
            return
        try:
            raw = json.loads(self.request.body)
            valid = isinstance(raw, dict) and isinstance(raw.get("update_id"), int)
        except ValueError:
            valid = False
        if not valid:
            self.set_status(400)
            return
        self.set_status(await self.worker.receive(raw))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def serve_webhook(
    app: AnyApplication,
    shared: SharedState,
    settings: Settings,
    secret: str,
    stop_signals: Sequence[int] | None,
) -> None:
    """Run the application behind the claiming webhook until a stop signal or
    ``app.stop_running()`` (as PTB's ``run_webhook`` does, with the loop it finds)."""
    claims = Claims(shared.db, shared.bot_id, worker_name(), settings.claim_lease_s)
    worker = ClaimingWorker(app, claims)
    path = "/" + urlsplit(settings.webhook_url).path.lstrip("/")
    web = TornadoApp([(path, UpdateHandler, {"worker": worker, "secret": secret})])
    server = HTTPServer(web)
    loop = asyncio.get_event_loop()
    for sig in stop_signals or ():
        loop.add_signal_handler(sig, _raise_exit)
    try:
        loop.run_until_complete(app.initialize())
        if app.post_init is not None:
            loop.run_until_complete(app.post_init(app))
        server.listen(settings.webhook_port, settings.webhook_listen)
        loop.run_until_complete(_set_webhook(app, settings, secret))
        loop.run_until_complete(app.start())
        loop.run_until_complete(worker.start())
        logger.info("worker %s takes webhook calls on %s", claims.worker, path)
        loop.run_forever()
    except (KeyboardInterrupt, SystemExit):
        logger.debug("stop signal: shutting down")
    finally:
        server.stop()
        loop.run_until_complete(_shut_down(app, worker, server, shared))


def _raise_exit() -> None:
    raise SystemExit(0)


async def _set_webhook(app: AnyApplication, settings: Settings, secret: str) -> None:
    await app.bot.set_webhook(
        url=settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
    )


async def _shut_down(
    app: AnyApplication, worker: ClaimingWorker, server: HTTPServer, shared: SharedState
) -> None:
    await worker.stop()
    await server.close_all_connections()
    if app.running:
        await app.stop()
    await app.shutdown()
    await shared.db.close()
