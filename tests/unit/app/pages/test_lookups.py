"""What every page shares: a 404 for what is not there (or not the teacher's), and the sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.app_helpers import ApiClient
from tests.unit.app.pages.conftest import Pages

PAGES = [
    "/courses/new",
    "/courses/1/edit",
    "/courses/1/delete",
    "/courses/1/assignments/new",
    "/courses/1/assignments/1/delete",
    "/courses/1/assignments/1/grades",
    "/courses/1/students",
    "/courses/1/students/1/unenroll",
]
MISSING = [
    "/courses/99/edit",
    "/courses/99/delete",
    "/courses/99/assignments/new",
    "/courses/99/assignments/1/grades",
    "/courses/1/assignments/99/delete",
    "/courses/1/assignments/99/grades",
    "/courses/99/students",
    "/courses/1/students/99/unenroll",
    "/courses/99/grades.csv",
    # Past PostgreSQL's integer: no row, never an overflow.
    "/courses/2147483648/edit",
]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_renders(pages: Pages, seed: dict[str, Any], path: str) -> None:
    response = pages.client.get(path)
    assert response.status_code == 200
    assert "<form" in response.text


@pytest.mark.parametrize("path", MISSING)
def test_a_missing_course_assignment_or_student_is_an_html_404(
    pages: Pages, seed: dict[str, Any], path: str
) -> None:
    response = pages.client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_an_assignment_of_another_course_is_not_found(pages: Pages, seed: dict[str, Any]) -> None:
    other = pages.api.create("/courses", {"code": "PHYS1", "name": "Physics"})
    assert pages.client.get(f"/courses/{other['id']}/assignments/1/grades").status_code == 404
    assert pages.client.get(f"/courses/{other['id']}/students/1/unenroll").status_code == 404


@pytest.mark.parametrize("path", [*PAGES, "/courses/1/grades.csv"])
def test_visitors_are_sent_to_sign_in(client: FlaskClient, seed: dict[str, Any], path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_post_without_the_csrf_token_is_refused(web: ApiClient, seed: dict[str, Any]) -> None:
    response = web.client.post("/courses/1/delete", data={})
    assert response.status_code == 400
    assert web.get("/courses/1").status_code == 200
