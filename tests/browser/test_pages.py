"""Every page of the app in Chromium: no console error and no content security policy violation
(the ``page`` fixture), no serious or critical axe-core violation, and a screenshot for reviewers
in ``reports/screenshots/`` (``$REPORT_DIR/screenshots/`` when set)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Page

from tests.browser.support import LiveApp, PageWatcher, assert_accessible, screenshot


class PageCase(NamedTuple):
    """A page a person can reach: an example path in the seeded data, the pattern of the paths
    that are this page (None: no link leads there), whether it needs a sign-in, its status."""

    example: str
    pattern: str | None
    signed_in: bool = True
    status: int = 200


PAGES = {
    "sign-in": PageCase("/login", r"/login", signed_in=False),
    "courses": PageCase("/", r"/"),
    "gradebook": PageCase("/courses/{course}", r"/courses/\d+"),
    "student": PageCase("/students/{student}", r"/students/\d+"),
    "not-found": PageCase("/courses/0", None, status=404),
}


def known_page(path: str) -> str | None:
    """The name of the page ``path`` is, if PAGES has it."""
    for name, case in PAGES.items():
        if case.pattern is not None and re.fullmatch(case.pattern, path):
            return name
    return None


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_clean_and_accessible(
    name: str,
    request: pytest.FixtureRequest,
    watched: tuple[Page, PageWatcher],
    live_app: LiveApp,
    seeded: dict[str, dict[str, Any]],
    axe: str,
    report_dir: Path,
) -> None:
    case = PAGES[name]
    if case.signed_in:
        request.getfixturevalue("signed_in")
    page, watcher = watched
    path = case.example.format(course=seeded["course"]["id"], student=seeded["student"]["id"])
    if case.status >= 400:
        watcher.expect_error_status(live_app.url + path)
    response = page.goto(live_app.url + path)
    assert response is not None
    assert response.status == case.status, f"{path}: {response.status}"
    assert_accessible(page, axe)
    screenshot(page, report_dir / "screenshots", name)


def test_every_link_leads_to_a_checked_page(
    signed_in: Page, live_app: LiveApp, seeded: dict[str, dict[str, Any]]
) -> None:
    """Follow every same-site link from the course list: each page answers, loads cleanly (the
    fixture) and is one of PAGES, so a new page cannot go unchecked."""
    page = signed_in
    origin = urlsplit(live_app.url).netloc
    seen: set[str] = set()
    queue = ["/"]
    unknown = []
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(live_app.url + path)
        assert response is not None
        assert response.ok, f"{path}: {response.status}"
        if known_page(path) is None:
            unknown.append(path)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = urlsplit(urldefrag(href).url)
            if link.netloc == origin:
                queue.append(link.path)
    assert not unknown, f"pages with no entry in PAGES (add them): {unknown}"
    assert {known_page(path) for path in seen} >= {"courses", "gradebook", "student"}
