from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.app_helpers import ApiClient, counting_statements


def test_student_in_course_report_uses_weights(api: ApiClient, seed: dict[str, Any]) -> None:
    body = api.get(f"/courses/{seed['course']['id']}/students/{seed['ada']['id']}/report")
    report = body.get_json()
    assert (report["percentage"], report["letter"]) == (84.0, "B")
    assert report["categories"]["homework"]["percentage"] == 90.0
    assert report["categories"]["exams"]["effective_weight"] == 0.6


def test_report_renormalises_when_a_category_is_ungraded(
    api: ApiClient, seed: dict[str, Any]
) -> None:
    report = api.get(f"/courses/{seed['course']['id']}/students/{seed['bob']['id']}/report")
    body = report.get_json()
    assert (body["percentage"], body["letter"]) == (50.0, "F")
    assert (body["graded_assignments"], body["ungraded_assignments"]) == (1, 2)


def test_course_summary_has_average_and_distribution(api: ApiClient, seed: dict[str, Any]) -> None:
    summary = api.get(f"/courses/{seed['course']['id']}/summary").get_json()
    assert summary["average"] == 67.0
    assert summary["distribution"] == {"A": 0, "B": 1, "C": 0, "D": 0, "F": 1}


def test_student_gpa_is_credit_weighted(api: ApiClient, seed: dict[str, Any]) -> None:
    other = api.create("/courses", {"code": "ART1", "name": "Drawing", "credits": 2})
    api.create("/enrollments", {"student_id": seed["ada"]["id"], "course_id": other["id"]})
    sketch = api.create(
        "/assignments",
        {"course_id": other["id"], "title": "Sketch", "category": "studio", "max_points": 10},
    )
    api.create(
        "/grades", {"student_id": seed["ada"]["id"], "assignment_id": sketch["id"], "score": 9.5}
    )
    gpa = api.get(f"/students/{seed['ada']['id']}/gpa").get_json()
    assert gpa["gpa"] == round((4 * 3 + 2 * 4) / 6, 2)
    assert [c["letter"] for c in gpa["courses"]] == ["A", "B"]


def test_reports_are_recomputed_after_a_grade_changes(api: ApiClient, seed: dict[str, Any]) -> None:
    path = f"/courses/{seed['course']['id']}/summary"
    assert api.get(path).get_json()["average"] == 67.0
    api.create(
        "/grades",
        {"student_id": seed["bob"]["id"], "assignment_id": seed["exam"]["id"], "score": 100},
    )
    assert api.get(path).get_json()["average"] == 84.0 / 2 + (0.4 * 50 + 60) / 2


def test_gpa_is_recomputed_after_course_credits_change(
    api: ApiClient, seed: dict[str, Any]
) -> None:
    path = f"/students/{seed['bob']['id']}/gpa"
    assert api.get(path).get_json()["gpa"] == 0.0
    api.patch(f"/courses/{seed['course']['id']}", {"credits": 1})
    assert api.get(path).get_json()["courses"][0]["credits"] == 1


def test_report_for_unenrolled_student_is_404(api: ApiClient, seed: dict[str, Any]) -> None:
    carl = api.create("/students", {"name": "Carl", "email": "carl@example.com"})
    response = api.get(f"/courses/{seed['course']['id']}/students/{carl['id']}/report")
    assert response.status_code == 404


def test_cached_reports_are_not_served_after_a_delete(api: ApiClient, seed: dict[str, Any]) -> None:
    course, ada = seed["course"]["id"], seed["ada"]["id"]
    summary, report = f"/courses/{course}/summary", f"/courses/{course}/students/{ada}/report"
    assert (api.get(summary).status_code, api.get(report).status_code) == (200, 200)
    enrollment = api.read(f"/enrollments?course_id={course}&student_id={ada}")["items"][0]
    api.delete(f"/enrollments/{enrollment['id']}")
    assert api.get(report).status_code == 404
    api.delete(f"/courses/{course}")
    assert api.get(summary).status_code == 404


@pytest.mark.parametrize("kind", ["summary", "report"])
def test_a_cached_answer_is_the_same_bytes_as_a_fresh_one(
    app: Flask, api: ApiClient, seed: dict[str, Any], kind: str
) -> None:
    """The cache stores the JSON body the API answers with: the cached answer must not differ
    from the one built from the database, header for header that a client reads."""
    course = seed["course"]["id"]
    path = {
        "summary": f"/courses/{course}/summary",
        "report": f"/courses/{course}/students/{seed['ada']['id']}/report",
    }[kind]
    fresh = api.get(path)
    with counting_statements(app) as statements:
        cached = api.get(path)
    # Only the token is looked up (no grant cache without Redis): no course data is read.
    read = [s for s in statements if "api_tokens" not in s]
    assert read == [], f"the second read was not served from the cache: {read}"
    assert (fresh.status_code, cached.status_code) == (200, 200)
    assert cached.data == fresh.data
    for header in ("Content-Type", "ETag", "Cache-Control"):
        assert cached.headers[header] == fresh.headers[header], header
