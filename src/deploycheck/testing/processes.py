"""A server the suites run as a child process (the image registry, the app under gunicorn):
its output goes to a log file, it is ready when a probe says so, and it stops as Render stops
an instance: SIGTERM, then SIGKILL when it has not left in time.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import BinaryIO, ClassVar

from deploycheck.testing.lifetime import Lifetime

LOG_TAIL_LINES = 20
POLL_INTERVAL = 0.2


class ServerProcess(Lifetime):
    """A subclass says how to launch it (``_launch``, writing to the log it is given) and when
    it is ready (``_waiting_for``: ``None`` once ready, else what it still waits for). A server
    that exits or is not ready within ``ready_timeout`` fails the start with ``error``, naming
    the log and quoting its last lines."""

    name: ClassVar[str]
    error: ClassVar[type[Exception]] = RuntimeError
    hint: ClassVar[str] = ""

    def __init__(self, log_path: Path, ready_timeout: float, stop_timeout: float = 10.0) -> None:
        self.log_path = log_path
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.process: subprocess.Popen[bytes] | None = None

    def _launch(self, log: BinaryIO) -> subprocess.Popen[bytes]:
        raise NotImplementedError

    def _waiting_for(self) -> str | None:
        raise NotImplementedError

    def _start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = self._launch(log)
        deadline = time.monotonic() + self.ready_timeout
        while (waiting := self._waiting_for()) is not None:
            if self.process.poll() is not None:
                raise self.failed(f"exited with code {self.process.returncode}")
            if time.monotonic() > deadline:
                raise self.failed(f"was not ready within {self.ready_timeout:.0f}s ({waiting})")
            time.sleep(POLL_INTERVAL)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def failed(self, what: str) -> Exception:
        """``error``: this server (log at ...) ``what``, with the log's last lines."""
        hint = f"\nHint: {self.hint}" if self.hint else ""
        return self.error(
            f"{self.name} (log {self.log_path}) {what}. Last log lines:\n"
            f"{self.log_tail() or '(none)'}{hint}"
        )

    def stop(self) -> None:
        """SIGTERM; SIGKILL if it has not left in ``stop_timeout``; safe to call twice."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
