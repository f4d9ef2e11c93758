"""`docbot serve` as a real process against the fake Bot API, in a folder of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

SERVE = [sys.executable, "-m", "bot.cli", "-v", "serve"]


def serve_env(token: str, base_url: str, root: Path) -> dict[str, str]:
    """The environment of a `docbot serve` over ``root/documents``, its state in ``root/state``
    (not ``./index``: ``python -m`` puts the working folder first on sys.path)."""
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token,
        "DOCBOT_TELEGRAM_BASE_URL": base_url,
        "DOCBOT_DOCUMENTS_DIR": str(root / "documents"),
        "DOCBOT_INDEX_DIR": str(root / "state" / "index"),
        "DOCBOT_FEEDBACK_FILE": str(root / "state" / "feedback.jsonl"),
        "DOCBOT_TORCH_THREADS": "1",
        "DOCBOT_INDEX_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


class Serve:
    """`docbot -v serve` as a subprocess in ``root`` (no stray .env); stderr in a file."""

    def __init__(
        self, token: str, base_url: str, root: Path, name: str, env: dict[str, str] | None = None
    ) -> None:
        self.log = root / f"{name}.log"
        self._err = self.log.open("w")
        self.process = subprocess.Popen(
            SERVE,
            cwd=root,
            env={**serve_env(token, base_url, root), **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=self._err,
            text=True,
        )

    def output(self) -> str:
        if not self._err.closed:
            self._err.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig``, wait (30 s at most, then kill); the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._err.close()
        return code
