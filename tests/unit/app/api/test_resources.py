from __future__ import annotations

from typing import Any

import pytest

from tests.app_helpers import ApiClient


def test_crud_course(api: ApiClient) -> None:
    course = api.create("/courses", {"code": "CS1", "name": "Programming"})
    assert course["credits"] == 3.0
    assert course["category_weights"] == {}
    updated = api.patch(f"/courses/{course['id']}", {"name": "Programming I"})
    assert updated.get_json()["name"] == "Programming I"
    assert api.get(f"/courses/{course['id']}").get_json()["name"] == "Programming I"
    assert api.delete(f"/courses/{course['id']}").status_code == 204
    assert api.get(f"/courses/{course['id']}").status_code == 404


def test_crud_student(api: ApiClient) -> None:
    student = api.create("/students", {"name": "Ada", "email": "ada@example.com"})
    response = api.patch(f"/students/{student['id']}", {"email": "ada@example.org"})
    assert response.get_json()["email"] == "ada@example.org"
    assert api.delete(f"/students/{student['id']}").status_code == 204
    assert api.get(f"/students/{student['id']}").status_code == 404


def test_update_grade_changes_report(api: ApiClient, seed: dict[str, Any]) -> None:
    grades = api.get(f"/grades?student_id={seed['bob']['id']}").get_json()["items"]
    assert api.patch(f"/grades/{grades[0]['id']}", {"score": 20}).status_code == 200
    report = api.get(f"/courses/{seed['course']['id']}/students/{seed['bob']['id']}/report")
    assert report.get_json()["percentage"] == 100.0


def test_deleting_enrollment_removes_the_students_grades(
    api: ApiClient, seed: dict[str, Any]
) -> None:
    enrollment = api.get(f"/enrollments?student_id={seed['ada']['id']}").get_json()["items"][0]
    assert api.delete(f"/enrollments/{enrollment['id']}").status_code == 204
    assert api.get(f"/grades?student_id={seed['ada']['id']}").get_json()["total"] == 0
    summary = api.get(f"/courses/{seed['course']['id']}/summary").get_json()
    assert [s["name"] for s in summary["students"]] == ["Bob"]


def test_deleting_course_cascades(api: ApiClient, seed: dict[str, Any]) -> None:
    assert api.delete(f"/courses/{seed['course']['id']}").status_code == 204
    for path in ("/assignments", "/enrollments", "/grades"):
        assert api.get(path).get_json()["total"] == 0


def test_deleting_assignment_removes_its_grades(api: ApiClient, seed: dict[str, Any]) -> None:
    assert api.delete(f"/assignments/{seed['exam']['id']}").status_code == 204
    assert api.get(f"/grades?assignment_id={seed['exam']['id']}").get_json()["total"] == 0


@pytest.mark.parametrize(
    ("path", "filters", "total"),
    [
        ("/courses", "", 1),
        ("/students", "", 2),
        ("/enrollments", "course_id=1", 2),
        ("/assignments", "course_id=1", 3),
        ("/grades", "course_id=1", 4),
        ("/grades", "student_id=2", 1),
    ],
)
def test_lists_are_paginated_with_totals(
    api: ApiClient, seed: dict[str, Any], path: str, filters: str, total: int
) -> None:
    body = api.get(f"{path}?per_page=1&page=1&{filters}").get_json()
    assert (body["total"], body["pages"], body["page"], body["per_page"]) == (total, total, 1, 1)
    assert len(body["items"]) == 1


def test_per_page_is_capped(api: ApiClient, seed: dict[str, Any]) -> None:
    assert api.get("/students?per_page=100000").get_json()["per_page"] == 100


def test_page_past_the_end_is_empty(api: ApiClient, seed: dict[str, Any]) -> None:
    body = api.get("/students?page=9").get_json()
    assert body["items"] == []
    assert body["total"] == 2


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=x",
        "per_page=-1",
        "course_id=abc",
        "page=99999999999999999999",
        "course_id=2147483648",
    ],
)
def test_rejects_bad_pagination_and_filters(api: ApiClient, query: str) -> None:
    response = api.get(f"/assignments?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
