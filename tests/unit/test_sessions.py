"""The session of a route that has none (API, static files, /health): readable, never written."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.sessions import NoSession


def test_a_route_without_a_session_reads_it_as_empty() -> None:
    session = NoSession()
    assert session.get("sign_in") is None
    assert dict(session) == {}


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.__setitem__("sign_in", "x"),
        lambda s: s.setdefault("csrf_token", "x"),
        lambda s: s.update(sign_in="x"),
        lambda s: s.pop("sign_in"),
        lambda s: s.clear(),
    ],
    ids=["set", "setdefault", "update", "pop", "clear"],
)
def test_writing_it_says_the_route_has_none(write: Callable[[NoSession], object]) -> None:
    with pytest.raises(RuntimeError, match="this route has no session"):
        write(NoSession())
