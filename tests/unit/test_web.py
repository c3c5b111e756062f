from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.app_helpers import ApiClient, csrf_token, sign_in


def _sign_in(client: FlaskClient, token: str) -> None:
    __tracebackhide__ = True
    assert sign_in(client, token).status_code == 302


def _record_bob_exam_grade(api: ApiClient, seed: dict[str, Any], score: str) -> TestResponse:
    """Sign in and post Bob's exam score through the gradebook form of course 1."""
    _sign_in(api.client, api.token)
    data = {
        "student_id": seed["bob"]["id"],
        "assignment_id": seed["exam"]["id"],
        "score": score,
        "csrf_token": csrf_token(api.client, "/courses/1"),
    }
    return api.client.post("/courses/1/grades", data=data)


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
    data = {"name": "Eve", "email": "eve@example.com", "csrf_token": csrf_token(client, "/")}
    response = client.post("/students", data=data)
    assert response.status_code == 302
    assert "Eve" in client.get("/").text


def test_form_rejects_nul_in_student_name(client: FlaskClient, token: str) -> None:
    _sign_in(client, token)
    data = {"name": "Nul\x00", "email": "nul@example.com", "csrf_token": csrf_token(client, "/")}
    assert client.post("/students", data=data).status_code == 302
    page = client.get("/").text
    assert "Check the student" in page
    assert "Nul" not in page


@pytest.mark.parametrize("path", ["/courses/99999999999999999999", "/students/2147483648"])
def test_out_of_range_id_in_page_url_is_html_404(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_forms_require_sign_in(client: FlaskClient) -> None:
    data = {"name": "Eve", "email": "eve@example.com", "csrf_token": csrf_token(client, "/login")}
    response = client.post("/students", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_wrong_token_does_not_sign_in(client: FlaskClient) -> None:
    data = {"token": "gt_wrong-token-000000000000", "csrf_token": csrf_token(client, "/login")}
    response = client.post("/login", data=data)
    assert response.status_code == 200
    assert "Unknown token" in response.text


def test_record_grade_form_updates_gradebook(api: ApiClient, seed: dict[str, Any]) -> None:
    assert _record_bob_exam_grade(api, seed, "100").status_code == 302
    report = api.get(f"/courses/1/students/{seed['bob']['id']}/report").get_json()
    assert report["percentage"] == 0.4 * 50 + 0.6 * 100


def test_record_grade_form_rejects_score_above_max(api: ApiClient, seed: dict[str, Any]) -> None:
    _record_bob_exam_grade(api, seed, "101")
    assert "between 0 and 100" in api.client.get("/courses/1").text
    assert api.get(f"/grades?assignment_id={seed['exam']['id']}").get_json()["total"] == 1


@pytest.mark.checklist(3)
def test_session_cookie_is_httponly_and_lax(client: FlaskClient, token: str) -> None:
    _sign_in(client, token)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
