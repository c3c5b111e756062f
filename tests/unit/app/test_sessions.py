"""The session of a route that has none (API, static files, /health): readable, never written;
and which routes those are. Without Redis here; tests/container/app/test_round_trips.py counts
the Redis round trips this saves."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from app import sessions
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


@pytest.mark.parametrize(
    "path",
    ["/api/v1/courses", "/api/v1/courses/1/summary", "/static/style.css", "/health"],
)
def test_the_api_static_files_and_health_get_no_session(app: Flask, path: str) -> None:
    # A browser's cookie comes along; it is not read.
    with app.test_request_context(path, headers={"Cookie": "session=anything"}) as context:
        session = app.session_interface.open_session(app, context.request)
        assert app.session_interface.is_null_session(session)
        assert isinstance(session, NoSession)


@pytest.mark.parametrize("path", ["/", "/login", "/courses/1", "/healthz", "/static-x", "/api/v1"])
def test_pages_and_near_misses_get_a_real_session(app: Flask, path: str) -> None:
    with app.test_request_context(path) as context:
        session = app.session_interface.open_session(app, context.request)
        assert not app.session_interface.is_null_session(session)
        session["sign_in"] = "x"  # writable


def test_a_root_static_path_does_not_turn_sessions_off(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    app.static_url_path = ""
    sessions.init_app(app)
    with app.test_request_context("/login") as context:
        session = app.session_interface.open_session(app, context.request)
        assert not app.session_interface.is_null_session(session)
