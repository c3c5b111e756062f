"""Fixtures for the pages in a real browser, in layers: ``chromium`` -> ``browser`` -> ``page``
(watched: any console error, uncaught exception or content security policy violation fails the
test) and ``axe``; ``live_app`` (gunicorn on the session's PostgreSQL and Redis, migrated, with a
teacher and their token) -> ``api`` -> ``seeded`` (a graded course made through the API) and
``signed_in`` (a page signed in with the teacher's email and password).

Without Chromium or axe-core the tests skip, saying to run scripts/browser-deps; in CI
(``CI=true``) they fail instead. The app's tests also need the Docker engine (skipped locally
without one, failed in CI, as in the container suite).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from deploycheck.testing.services import PostgresService, RedisService
from tests.app_helpers import APP_ENV_VARS
from tests.browser.support import (
    PROBE_PAGES,
    PROBE_POLICY,
    AppServer,
    HttpApi,
    LiveApp,
    PageWatcher,
    StaticSite,
    axe_source,
    chromium_executable,
    flask,
    sign_in,
)
from tests.container.app.support import ENCRYPTION_KEY, ORIGIN, SECRET_KEY

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# Long enough for a page on a loaded CI machine, short enough that a hang fails quickly.
ACTION_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's Chromium; a skip (a failure in CI) without one."""
    return chromium_executable()


@pytest.fixture(scope="session")
def axe() -> str:
    """axe-core's source, to inject into pages; a skip (a failure in CI) without it."""
    return axe_source()


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    """One headless Chromium for the session, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[Page, PageWatcher]]:
    """A fresh page (its own cookies) and the watcher recording what went wrong on it."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page, PageWatcher(page).attach()
    finally:
        context.close()


@pytest.fixture
def page(watched: tuple[Page, PageWatcher]) -> Page:
    """A watched page: the test fails if the browser reported a console error, an uncaught
    exception or a content security policy violation on any document it loaded."""
    return watched[0]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a test that passed, fail it if its watched page reported a problem: in the test's
    own phase, so that an ``xfail`` for a known defect of a page applies to it."""
    watched = getattr(item, "funcargs", {}).get("watched")
    try:
        result = yield
    except BaseException:
        if watched is not None and watched[1].problems():
            # What the browser said often explains the failure (a script error, say).
            item.add_report_section("call", "browser", "\n".join(watched[1].problems()))
        raise
    if watched is not None:
        watched[1].assert_clean()
    return result


@pytest.fixture(scope="session")
def live_app(
    services: tuple[PostgresService, RedisService], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApp]:
    """The app in production mode under gunicorn on the session's PostgreSQL (emptied and
    migrated with ``flask db upgrade``) and Redis, with a teacher from ``flask create-teacher``
    and their token from ``flask create-token``."""
    postgres, redis = services
    postgres.reset()
    redis.reset()
    env = {name: value for name, value in os.environ.items() if name not in APP_ENV_VARS}
    env.update(
        APP_ENV="production",
        DATABASE_URL=postgres.dsn.replace("postgresql://", "postgres://", 1),
        REDIS_URL=redis.url,
        FLASK_SECRET_KEY=SECRET_KEY,
        API_TOKEN_ENCRYPTION_KEY=ENCRYPTION_KEY,
        CORS_ORIGINS=ORIGIN,
        # Chromium keeps Secure cookies from http://127.0.0.1, a trustworthy origin.
        SESSION_COOKIE_SECURE="true",
    )
    flask(env, "db", "upgrade")
    email = "teacher@example.com"
    password = secrets.token_urlsafe(16)
    flask(env, "create-teacher", email, stdin=f"{password}\n")
    token = flask(env, "create-token", "browser-tests", "--teacher", email).strip()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with AppServer(env, log) as server:
        yield LiveApp(server.url, email, password, token, log)


@pytest.fixture(scope="session")
def api(live_app: LiveApp) -> Iterator[HttpApi]:
    """The JSON API of the running app, with the session's token."""
    client = HttpApi(live_app.url, live_app.token)
    yield client
    client.close()


@pytest.fixture(scope="session")
def seeded(api: HttpApi) -> dict[str, dict[str, Any]]:
    """A weighted course with two assignments and a graded student, made through the API (quick,
    and independent of the pages under test). Shared by the session: tests add, never change,
    data (test_course_flow deletes only the course it made)."""
    course = api.create(
        "/courses",
        {
            "code": "BIO110",
            "name": "Biology",
            "credits": 3,
            "category_weights": {"labs": 40, "exams": 60},
        },
    )
    lab = api.create(
        "/assignments",
        {"course_id": course["id"], "title": "Lab 1", "category": "labs", "max_points": 20},
    )
    exam = api.create(
        "/assignments",
        {"course_id": course["id"], "title": "Final", "category": "exams", "max_points": 100},
    )
    student = api.create("/students", {"name": "Grace Hopper", "email": "grace@example.com"})
    api.create("/enrollments", {"student_id": student["id"], "course_id": course["id"]})
    api.create("/grades", {"student_id": student["id"], "assignment_id": lab["id"], "score": 18})
    return {"course": course, "lab": lab, "exam": exam, "student": student}


@pytest.fixture(scope="session")
def session_cookies(browser: Browser, live_app: LiveApp) -> list[Any]:
    """The cookies of one sign-in through the form, for the tests that start signed in."""
    context = browser.new_context()
    try:
        sign_in(context.new_page(), live_app)
        return list(context.cookies())
    finally:
        context.close()


@pytest.fixture
def signed_in(page: Page, live_app: LiveApp, session_cookies: list[Any]) -> Page:
    """A watched page signed in as the session's teacher, on the course list."""
    page.context.add_cookies(session_cookies)
    page.goto(f"{live_app.url}/")
    return page


@pytest.fixture(scope="session")
def probe_site() -> Iterator[StaticSite]:
    """Pages that are broken on purpose (and one clean one), to prove the checks can fail."""
    with StaticSite(PROBE_PAGES, PROBE_POLICY) as site:
        yield site
