from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.unit.conftest import ApiClient


def _csrf_token(client: FlaskClient, path: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _sign_in(client: FlaskClient, token: str) -> None:
    response = client.post(
        "/login", data={"token": token, "csrf_token": _csrf_token(client, "/login")}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/", "/courses/1", "/students/1", "/login"])
def test_pages_render(api: ApiClient, seed: dict[str, Any], path: str) -> None:
    response = api.client.get(path)
    assert response.status_code == 200
    assert "<html" in response.text


def test_gradebook_shows_percentages_and_letters(api: ApiClient, seed: dict[str, Any]) -> None:
    page = api.client.get("/courses/1").text
    assert "84.0" in page
    assert "50.0" in page
    assert "MATH101" in page


def test_student_report_shows_gpa(api: ApiClient, seed: dict[str, Any]) -> None:
    assert "GPA: 3.0" in api.client.get("/students/1").text


@pytest.mark.parametrize("path", ["/courses/99", "/students/99"])
def test_unknown_page_is_html_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.checklist(7)
def test_login_post_without_csrf_token_is_rejected(client: FlaskClient, token: str) -> None:
    response = client.post("/login", data={"token": token})
    assert response.status_code == 400
    assert "CSRF" in response.text


@pytest.mark.checklist(7)
def test_form_post_without_csrf_token_is_rejected(client: FlaskClient, token: str) -> None:
    _sign_in(client, token)
    response = client.post("/students", data={"name": "Eve", "email": "eve@example.com"})
    assert response.status_code == 400
    assert "Eve" not in client.get("/").text


@pytest.mark.checklist(7)
def test_form_post_with_csrf_token_adds_student(client: FlaskClient, token: str) -> None:
    _sign_in(client, token)
    data = {"name": "Eve", "email": "eve@example.com", "csrf_token": _csrf_token(client, "/")}
    response = client.post("/students", data=data)
    assert response.status_code == 302
    assert "Eve" in client.get("/").text


def test_forms_require_sign_in(client: FlaskClient) -> None:
    data = {"name": "Eve", "email": "eve@example.com", "csrf_token": _csrf_token(client, "/login")}
    response = client.post("/students", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_wrong_token_does_not_sign_in(client: FlaskClient) -> None:
    data = {"token": "gt_wrong-token-000000000000", "csrf_token": _csrf_token(client, "/login")}
    response = client.post("/login", data=data)
    assert response.status_code == 200
    assert "Unknown token" in response.text


def test_record_grade_form_updates_gradebook(api: ApiClient, seed: dict[str, Any]) -> None:
    client = api.client
    _sign_in(client, api.token)
    data = {
        "student_id": seed["bob"]["id"],
        "assignment_id": seed["exam"]["id"],
        "score": "100",
        "csrf_token": _csrf_token(client, "/courses/1"),
    }
    assert client.post("/courses/1/grades", data=data).status_code == 302
    report = api.get(f"/courses/1/students/{seed['bob']['id']}/report").get_json()
    assert report["percentage"] == 0.4 * 50 + 0.6 * 100


def test_record_grade_form_rejects_score_above_max(api: ApiClient, seed: dict[str, Any]) -> None:
    client = api.client
    _sign_in(client, api.token)
    data = {
        "student_id": seed["bob"]["id"],
        "assignment_id": seed["exam"]["id"],
        "score": "101",
        "csrf_token": _csrf_token(client, "/courses/1"),
    }
    client.post("/courses/1/grades", data=data)
    assert "between 0 and 100" in client.get("/courses/1").text
    assert api.get(f"/grades?assignment_id={seed['exam']['id']}").get_json()["total"] == 1


@pytest.mark.checklist(3)
def test_session_cookie_is_httponly_and_lax(client: FlaskClient, token: str) -> None:
    _sign_in(client, token)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
