"""Bad input gets a 4xx JSON error and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app_helpers import ApiClient


def assert_json_error(response: Any, status: int, code: str) -> dict[str, Any]:
    __tracebackhide__ = True
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]


def _counts(api: ApiClient) -> dict[str, int]:
    paths = ("/courses", "/students", "/enrollments", "/assignments", "/grades")
    return {path: api.get(path).get_json()["total"] for path in paths}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/courses", {"name": "No code"}, "code"),
        ("/courses", {"code": "", "name": "Blank"}, "code"),
        ("/courses", {"code": "X" * 21, "name": "Long"}, "code"),
        ("/courses", {"code": "C2", "name": "N", "credits": "3"}, "credits"),
        ("/courses", {"code": "C2", "name": "N", "credits": 0}, "credits"),
        (
            "/courses",
            {"code": "C2", "name": "N", "category_weights": {"hw": -1}},
            "category_weights",
        ),
        ("/courses", {"code": "C2", "name": "N", "category_weights": [1]}, "category_weights"),
        (
            "/courses",
            {"code": "C2", "name": "N", "category_weights": {"hw": 1e308, "ex": 1e308}},
            "category_weights",
        ),
        ("/courses", {"code": "C2", "name": "N", "category_weights": {"": 1}}, "category_weights"),
        ("/courses", {"code": "C2", "name": "Nul\u0000name"}, "name"),
        ("/courses", {"code": "C2", "name": "N", "colour": "red"}, "colour"),
        ("/students", {"name": "No email"}, "email"),
        ("/students", {"name": "Bad", "email": "not-an-email"}, "email"),
        ("/students", {"name": "Nul\u0000", "email": "nul@example.com"}, "name"),
        ("/enrollments", {"student_id": "1", "course_id": 1}, "student_id"),
        ("/enrollments", {"student_id": 2**31, "course_id": 1}, "student_id"),
        ("/enrollments", {"student_id": 10**30, "course_id": 1}, "student_id"),
        ("/enrollments", {"student_id": 999, "course_id": 1}, "student_id"),
        ("/enrollments", {"student_id": 1, "course_id": True}, "course_id"),
        (
            "/assignments",
            {"course_id": 1, "title": "T", "category": "hw", "max_points": 0},
            "max_points",
        ),
        (
            "/assignments",
            {"course_id": 1, "title": "T", "category": "quiz", "max_points": 5},
            "category",
        ),
        (
            "/assignments",
            {"course_id": 404, "title": "T", "category": "exams", "max_points": 5},
            "course_id",
        ),
        ("/grades", {"student_id": 1, "assignment_id": 3, "score": 100.5}, "score"),
        ("/grades", {"student_id": 1, "assignment_id": 3, "score": -1}, "score"),
        ("/grades", {"student_id": 1, "assignment_id": 3}, "score"),
        ("/grades", {"student_id": 1, "assignment_id": 999, "score": 1}, "assignment_id"),
        ("/grades", {"student_id": 1, "assignment_id": 3, "score": "90"}, "score"),
    ],
)
def test_rejects_invalid_fields_with_422(
    api: ApiClient, seed: dict[str, Any], path: str, body: dict[str, Any], field: str
) -> None:
    before = _counts(api)
    error = assert_json_error(api.post(path, body), 422, "validation_error")
    assert field in error["details"]
    assert _counts(api) == before


def test_rejects_grade_for_student_not_enrolled(api: ApiClient, seed: dict[str, Any]) -> None:
    carl = api.create("/students", {"name": "Carl", "email": "carl@example.com"})
    body = {"student_id": carl["id"], "assignment_id": seed["exam"]["id"], "score": 50}
    error = assert_json_error(api.post("/grades", body), 422, "validation_error")
    assert "not enrolled" in error["details"]["student_id"]


@pytest.mark.parametrize(
    ("path", "raw", "field"),
    [
        ("/grades", '{"student_id": 2, "assignment_id": 3, "score": NaN}', "score"),
        ("/grades", '{"student_id": 2, "assignment_id": 3, "score": Infinity}', "score"),
        (
            "/courses",
            '{"code": "C2", "name": "N", "category_weights": {"hw": NaN}}',
            "category_weights",
        ),
        (
            "/courses",
            '{"code": "C2", "name": "N", "category_weights": {"hw": Infinity}}',
            "category_weights",
        ),
    ],
)
def test_rejects_non_finite_numbers(
    api: ApiClient, seed: dict[str, Any], path: str, raw: str, field: str
) -> None:
    """Python's JSON parser accepts NaN and Infinity, which no JSON client can read back."""
    before = _counts(api)
    response = api.client.post(
        "/api/v1" + path, data=raw, headers={**api.headers, "Content-Type": "application/json"}
    )
    assert field in assert_json_error(response, 422, "validation_error")["details"]
    assert _counts(api) == before


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/courses", {"code": "MATH101", "name": "Again"}, "code"),
        ("/students", {"name": "Ada 2", "email": "ada@example.com"}, "email"),
        ("/enrollments", {"student_id": 1, "course_id": 1}, "already enrolled"),
        ("/grades", {"student_id": 1, "assignment_id": 1, "score": 1}, "already has a grade"),
    ],
)
def test_rejects_duplicates_with_409(
    api: ApiClient, seed: dict[str, Any], path: str, body: dict[str, Any], message: str
) -> None:
    before = _counts(api)
    assert message in assert_json_error(api.post(path, body), 409, "conflict")["message"]
    assert _counts(api) == before


def test_rejects_lowering_max_points_below_existing_scores(
    api: ApiClient, seed: dict[str, Any]
) -> None:
    assert_json_error(
        api.patch(f"/assignments/{seed['exam']['id']}", {"max_points": 50}), 409, "conflict"
    )
    assert api.get(f"/assignments/{seed['exam']['id']}").get_json()["max_points"] == 100


def test_rejects_dropping_a_weighted_category_in_use(api: ApiClient, seed: dict[str, Any]) -> None:
    course = f"/courses/{seed['course']['id']}"
    weights = api.get(course).get_json()["category_weights"]
    assert_json_error(api.patch(course, {"category_weights": {"exams": 1}}), 409, "conflict")
    assert api.get(course).get_json()["category_weights"] == weights


def test_rejects_malformed_json(api: ApiClient) -> None:
    response = api.client.post(
        "/api/v1/courses",
        data="{not json",
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert_json_error(response, 400, "bad_request")
    assert _counts(api)["/courses"] == 0


def test_rejects_json_that_is_not_an_object(api: ApiClient) -> None:
    assert_json_error(api.post("/courses", ["CS1"]), 400, "bad_request")
    assert _counts(api)["/courses"] == 0


def test_rejects_non_json_content_type(api: ApiClient) -> None:
    response = api.client.post(
        "/api/v1/courses", data="code=CS1", headers={**api.headers, "Content-Type": "text/plain"}
    )
    assert_json_error(response, 415, "unsupported_media_type")
    assert _counts(api)["/courses"] == 0


def test_rejects_oversized_body(api: ApiClient) -> None:
    body = {"code": "BIG", "name": "x" * 70_000}
    assert_json_error(api.post("/courses", body), 413, "request_entity_too_large")
    assert _counts(api)["/courses"] == 0


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/courses/999", 404, "not_found"),
        ("patch", "/api/v1/students/999", 404, "not_found"),
        ("delete", "/api/v1/grades/999", 404, "not_found"),
        ("get", "/api/v1/courses/0", 404, "not_found"),
        ("get", "/api/v1/courses/99999999999999999999", 404, "not_found"),
        ("patch", "/api/v1/students/2147483648", 404, "not_found"),
        ("get", "/api/v1/courses/1/students/99999999999999999999/report", 404, "not_found"),
        ("get", "/api/v1/nothing-here", 404, "not_found"),
        ("put", "/api/v1/courses", 405, "method_not_allowed"),
    ],
)
def test_unknown_ids_routes_and_methods_get_json_errors(
    api: ApiClient, method: str, path: str, status: int, code: str
) -> None:
    response = getattr(api.client, method)(path, json={}, headers=api.headers)
    assert_json_error(response, status, code)


def test_unexpected_error_is_json_500_without_details(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.api import routes

    def explode(*_args: Any) -> None:
        raise RuntimeError("database password=hunter2 leaked?")

    monkeypatch.setattr(routes, "paginated", explode)
    response = api.get("/courses")
    error = assert_json_error(response, 500, "internal_server_error")
    assert "hunter2" not in error["message"]
