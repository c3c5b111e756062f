"""Load with wrk (Debian's ``wrk`` package): at saturation, or paced to a fixed rate.

wrk's Lua hooks do the rest: ``request`` cycles through the paths and carries the headers
(bearer token, session cookie), ``delay`` paces each connection for a fixed rate, and ``done``
prints the summary and the latency percentiles as one JSON line that :func:`run` parses.

Debian has no wrk2, so a fixed rate is closed-loop: each connection waits ``delay`` ms after an
answer. While latency stays well below the pause the rate holds; the achieved rate is reported
next to the target so a reader sees when it did not.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MARKER = "BENCH-JSON "
INSTALL_HINT = "install it with `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk`"

_SCRIPT = """
local paths = {paths}
local method, body = {method}, {body}
local headers = {headers}
local pause = {pause}
local index = 0
function setup(thread) thread:set("offset", math.random(#paths)) end
function request()
  index = index + 1
  local path = paths[(index + (offset or 0)) % #paths + 1]
  return wrk.format(method, path, headers, body)
end
if pause > 0 then function delay() return pause end end
function done(summary, latency, requests)
  local e = summary.errors
  io.write("{marker}" .. string.format(
    '{{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed no summary."""


@dataclass(frozen=True)
class Load:
    """What one wrk run sends: paths cycled in order, with one method, body and headers."""

    paths: list[str]
    method: str = "GET"
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        """Answered requests per second, failures (non-2xx/3xx, timeouts) left out."""
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0


def wrk_path() -> str:
    """The wrk executable, or a WrkError saying how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise WrkError(f"wrk is not installed: {INSTALL_HINT}")
    return path


def _lua(value: object) -> str:
    if value is None:
        return "nil"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid Lua string literal here
    if isinstance(value, list):
        return "{" + ", ".join(_lua(item) for item in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    return str(value)


def script(load: Load, pause_ms: int = 0) -> str:
    """The Lua script for ``load``; ``pause_ms`` > 0 paces each connection."""
    return _SCRIPT.format(
        paths=_lua(load.paths),
        method=_lua(load.method),
        body=_lua(load.body),
        headers=_lua(load.headers),
        pause=pause_ms,
        marker=MARKER,
    )


def run(
    base_url: str,
    load: Load,
    *,
    seconds: float,
    connections: int = 50,
    threads: int = 2,
    rate: float | None = None,
) -> WrkResult:
    """Drive ``load`` against ``base_url`` for ``seconds``; at ``rate`` req/s when given."""
    pause_ms = max(1, round(1000 * connections / rate)) if rate else 0
    threads = min(threads, connections)
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        lua = Path(tmp) / "load.lua"
        lua.write_text(script(load, pause_ms))
        command = [
            wrk_path(),
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=10s",
            f"--script={lua}",
            base_url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if done.returncode != 0 or not lines:
        raise WrkError(
            f"wrk exited {done.returncode} without a summary: {done.stderr.strip() or done.stdout}"
        )
    data = json.loads(lines[-1][len(MARKER) :])
    errors = sum(data[key] for key in ("connect", "read", "write", "status", "timeout"))
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=errors,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
    )
