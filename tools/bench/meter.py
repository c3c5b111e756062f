"""CPU and memory of a container during a load run, from Docker's stats API.

CPU is the container's cumulative CPU time read before and after the run (so the figure is
exact over the run, not a sample); memory is sampled every half second and the peak kept, as
Render's memory target looks at the instance's usage (page cache left out, as ``docker stats``
does).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from types import TracebackType

import docker

SAMPLE_SECONDS = 0.5


@dataclass(frozen=True)
class Usage:
    cpus: float  # CPU cores used on average over the run (0.5 = half a core)
    peak_memory_mb: float


def _stats(client: docker.DockerClient, container_id: str) -> dict:
    return client.api.stats(container_id, stream=False, one_shot=True)


def _memory_mb(stats: dict) -> float:
    memory = stats.get("memory_stats") or {}
    inner = memory.get("stats") or {}
    cache = inner.get("inactive_file", inner.get("total_inactive_file", 0))
    return max(0, memory.get("usage", 0) - cache) / 2**20


def _cpu_ns(stats: dict) -> int:
    return int(stats["cpu_stats"]["cpu_usage"]["total_usage"])


class Meter:
    """``with Meter(client, id) as meter: ...`` then ``meter.usage``."""

    def __init__(self, client: docker.DockerClient, container_id: str) -> None:
        self.client = client
        self.container_id = container_id
        self._stop = threading.Event()
        self._peak = 0.0
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.usage: Usage | None = None

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self._peak = max(self._peak, _memory_mb(_stats(self.client, self.container_id)))

    def __enter__(self) -> Meter:
        first = _stats(self.client, self.container_id)
        self._start = (time.monotonic(), _cpu_ns(first))
        self._peak = _memory_mb(first)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        last = _stats(self.client, self.container_id)
        wall = time.monotonic() - self._start[0]
        self._stop.set()
        self._thread.join()
        used_ns = _cpu_ns(last) - self._start[1]
        self.usage = Usage(
            cpus=used_ns / 1e9 / wall if wall > 0 else 0.0,
            peak_memory_mb=max(self._peak, _memory_mb(last)),
        )
