"""ServerProcess: ready when its probe says so, a failed start says why and leaves nothing
running, and stopping escalates to SIGKILL for a server that ignores SIGTERM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import pytest

from deploycheck.testing.processes import ServerProcess

# Each prints its lines, flushed, then sleeps; "ready" in the log is the probe's answer.
READY = "print('booting'); print('ready', flush=True); import time; time.sleep(60)"
CRASHES = "print('bad config: no such driver', flush=True); raise SystemExit(3)"
NEVER_READY = "print('booting', flush=True); import time; time.sleep(60)"
IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)"
)


class ScriptServer(ServerProcess):
    name = "the script server"
    hint = "read the script"

    def __init__(self, tmp_path: Path, script: str, **timeouts: float) -> None:
        super().__init__(tmp_path / "server.log", **{"ready_timeout": 10.0, **timeouts})
        self.script = script

    def _launch(self, log: BinaryIO) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", self.script], stdout=log, stderr=subprocess.STDOUT
        )

    def _waiting_for(self) -> str | None:
        return None if "ready" in self.log_path.read_text() else "no 'ready' in the log"


def test_with_starts_it_once_ready_and_stops_it(tmp_path: Path) -> None:
    with ScriptServer(tmp_path, READY) as server:
        process = server.process
        assert process is not None
        assert process.poll() is None
        assert server.log_tail() == "booting\nready"
    assert process.poll() is not None
    assert server.process is None


def test_a_server_that_exits_says_how_with_its_log(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError) as raised:
        ScriptServer(tmp_path, CRASHES).start()

    message = str(raised.value)
    log = tmp_path / "server.log"
    assert message.startswith(f"the script server (log {log}) exited with code 3")
    assert "bad config: no such driver" in message
    assert message.endswith("Hint: read the script")


def test_a_server_never_ready_times_out_and_is_stopped(tmp_path: Path) -> None:
    server = ScriptServer(tmp_path, NEVER_READY, ready_timeout=1.0)

    with pytest.raises(RuntimeError, match=r"was not ready within 1s \(no 'ready' in the log\)"):
        server.start()
    assert server.process is None


def test_stop_kills_a_server_that_ignores_sigterm(tmp_path: Path) -> None:
    server = ScriptServer(tmp_path, IGNORES_SIGTERM, stop_timeout=0.5).start()
    process = server.process
    assert process is not None

    server.stop()

    assert process.returncode == -9
    server.stop()  # twice is fine
