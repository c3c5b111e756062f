from __future__ import annotations

from typing import Any

import pytest

from tests.unit.app.pages.conftest import Pages, field_error

QUIZ = {"title": "Quiz 1", "category": "homework", "max_points": "25"}


def test_adds_an_assignment_in_one_of_the_categories(pages: Pages, seed: dict[str, Any]) -> None:
    page = pages.client.get("/courses/1/assignments/new").text
    assert '<option value="exams">' in page
    response = pages.submit("/courses/1/assignments/new", QUIZ)
    assert response.status_code == 302
    assert response.headers["Location"] == "/courses/1"
    added = pages.api.read("/assignments?course_id=1")["items"][-1]
    assert (added["title"], added["category"], added["max_points"]) == ("Quiz 1", "homework", 25)
    assert "Quiz 1" in pages.client.get("/courses/1").text


@pytest.mark.parametrize(
    ("changes", "field_id", "problem"),
    [
        ({"title": " "}, "title", "Title must be a non-empty string."),
        (
            {"category": "labs"},
            "category",
            "Category must be one of the course's categories: ['exams', 'homework'].",
        ),
        ({"max_points": "0"}, "max_points", "Out of (points) must be at least 0.01."),
        ({"max_points": ""}, "max_points", "Out of (points) is required."),
    ],
)
def test_a_refused_value_is_shown_by_its_field(
    pages: Pages, seed: dict[str, Any], changes: dict[str, str], field_id: str, problem: str
) -> None:
    response = pages.submit("/courses/1/assignments/new", {**QUIZ, **changes})
    assert response.status_code == 200
    assert field_error(response.text, field_id) == problem
    assert pages.api.read("/assignments")["total"] == 3


def test_any_category_in_a_course_graded_by_points(pages: Pages) -> None:
    course = pages.api.create("/courses", {"code": "ART1", "name": "Art"})
    response = pages.submit(f"/courses/{course['id']}/assignments/new", {**QUIZ, "category": "x"})
    assert response.status_code == 302


def test_delete_asks_first_then_deletes_the_grades_too(pages: Pages, seed: dict[str, Any]) -> None:
    pages.delete_confirmed(
        f"/courses/1/assignments/{seed['hw1']['id']}/delete",
        ["Delete HW1 from MATH101?", "Its 2 grade(s) are deleted with it"],
        then="/courses/1",
    )
    assert pages.api.get(f"/assignments/{seed['hw1']['id']}").status_code == 404
    assert pages.api.read("/grades")["total"] == 2
