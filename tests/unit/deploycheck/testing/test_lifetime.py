"""Lifetime: ``with`` starts and always stops; a start that fails stops what it had begun and
raises its own error, not one from stopping what never started."""

from __future__ import annotations

import pytest
from testcontainers.core.container import DockerContainer

from deploycheck.testing.lifetime import Lifetime, created


class Recorded(Lifetime):
    def __init__(self, fails: bool = False) -> None:
        self.fails = fails
        self.calls: list[str] = []

    def _start(self) -> None:
        self.calls.append("start")
        if self.fails:
            raise OSError("no engine")

    def stop(self) -> None:
        self.calls.append("stop")


def _use(service: Recorded) -> None:
    with service as entered:
        assert entered is service
        raise KeyError("in the block")


def test_with_starts_and_stops_even_when_the_block_raises() -> None:
    service = Recorded()
    with pytest.raises(KeyError):
        _use(service)
    assert service.calls == ["start", "stop"]


def test_a_failed_start_stops_and_raises_its_own_error() -> None:
    service = Recorded(fails=True)
    with pytest.raises(OSError, match="no engine"):
        service.start()
    assert service.calls == ["start", "stop"]


def test_a_container_never_started_was_not_created() -> None:
    assert created(DockerContainer("postgres:15-alpine")) is False
