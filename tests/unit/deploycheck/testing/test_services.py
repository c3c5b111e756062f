"""deploycheck.testing.services without an engine: what needs no container."""

from __future__ import annotations

from deploycheck.testing.services import running


def test_running_nothing_starts_and_stops_nothing() -> None:
    # A Blueprint without a database or Key Value gives the rehearsal no service to start.
    entered = False
    with running():
        entered = True
    assert entered
