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
    "new-course": PageCase("/courses/new", r"/courses/new"),
    "edit-course": PageCase("/courses/{course}/edit", r"/courses/\d+/edit"),
    "delete-course": PageCase("/courses/{course}/delete", r"/courses/\d+/delete"),
    "new-assignment": PageCase(
        "/courses/{course}/assignments/new", r"/courses/\d+/assignments/new"
    ),
    "delete-assignment": PageCase(
        "/courses/{course}/assignments/{assignment}/delete",
        r"/courses/\d+/assignments/\d+/delete",
    ),
    "grade-sheet": PageCase(
        "/courses/{course}/assignments/{assignment}/grades",
        r"/courses/\d+/assignments/\d+/grades",
    ),
    "roster": PageCase("/courses/{course}/students", r"/courses/\d+/students"),
    "unenroll": PageCase(
        "/courses/{course}/students/{student}/unenroll", r"/courses/\d+/students/\d+/unenroll"
    ),
    "not-found": PageCase("/courses/0", None, status=404),
}
# Links that download a file rather than open a page (``<a download>``): name -> the pattern of
# their paths and the content type they must answer with.
DOWNLOADS = {"gradebook-csv": (r"/courses/\d+/grades\.csv", "text/csv")}


def known_page(path: str) -> str | None:
    """The name of the page ``path`` is, if PAGES has it."""
    for name, case in PAGES.items():
        if case.pattern is not None and re.fullmatch(case.pattern, path):
            return name
    return None


def known_download(path: str) -> str | None:
    """The name of the download ``path`` is, if DOWNLOADS has it."""
    for name, (pattern, _) in DOWNLOADS.items():
        if re.fullmatch(pattern, path):
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
    path = case.example.format(
        course=seeded["course"]["id"],
        student=seeded["student"]["id"],
        assignment=seeded["lab"]["id"],
    )
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
    fixture) and is one of PAGES, each download is one of DOWNLOADS and answers with its
    type, so a new page or file cannot go unchecked."""
    page = signed_in
    origin = urlsplit(live_app.url).netloc
    seen: set[str] = set()
    queue = ["/"]
    unknown = []
    downloads: set[str] = set()
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
        for href, download in page.eval_on_selector_all(
            "a[href]", "links => links.map(a => [a.href, a.hasAttribute('download')])"
        ):
            link = urlsplit(urldefrag(href).url)
            if link.netloc == origin:
                (downloads.add if download else queue.append)(link.path)
    assert not unknown, f"pages with no entry in PAGES (add them): {unknown}"
    for path in downloads:
        kind = known_download(path)
        assert kind is not None, f"a download with no entry in DOWNLOADS (add it): {path}"
        response = page.request.get(live_app.url + path)
        assert response.ok, f"{path}: {response.status}"
        assert response.headers["content-type"].startswith(DOWNLOADS[kind][1]), path
    assert {known_download(path) for path in downloads} == set(DOWNLOADS)
    assert {known_page(path) for path in seen} == set(PAGES) - {"sign-in", "not-found"}
