from __future__ import annotations

from typing import Any

import pytest

from tests.unit.app.pages.conftest import Pages, field_error


def course_form(code: str, name: str, weights: dict[str, str], **more: str) -> dict[str, str]:
    """A course form's fields as posted: ``weights`` fill the category rows in order."""
    data = {"code": code, "name": name, **more}
    for index, (category, weight) in enumerate(weights.items()):
        data[f"category_weights-{index}-name"] = category
        data[f"category_weights-{index}-weight"] = weight
    return data


GOOD = course_form("BIO110", "Biology", {"labs": "40", "exams": "60", "": ""}, credits="3")


def test_the_new_course_form_labels_every_field(pages: Pages) -> None:
    page = pages.client.get("/courses/new").text
    for field_id, label in [
        ("code", "Code"),
        ("name", "Name"),
        ("credits", "Credits"),
        ("category_weights-0-name", "Category 1"),
        ("category_weights-1-weight", "Weight 2"),
    ]:
        assert f'<label for="{field_id}">{label}</label>' in page


def test_creates_a_course_with_its_weights(pages: Pages) -> None:
    response = pages.submit("/courses/new", GOOD)
    assert response.status_code == 302
    course_id = int(response.headers["Location"].rsplit("/", 1)[1])
    course = pages.api.read(f"/courses/{course_id}")
    assert course["code"] == "BIO110"
    assert course["credits"] == 3
    assert course["category_weights"] == {"labs": 40, "exams": 60}


@pytest.mark.parametrize(
    ("changes", "field_id", "problem"),
    [
        ({"code": ""}, "code", "Code must be a non-empty string."),
        ({"code": "X" * 21}, "code", "Code must be at most 20 characters."),
        ({"name": "a\x00b"}, "name", "Name must not contain NUL characters."),
        ({"credits": "50"}, "credits", "Credits must be at most 20."),
        ({"credits": "many"}, "credits", "Not a valid float value."),
        (
            {"category_weights-1-weight": "0"},
            "category_weights",
            "Weight of 'exams' must be a number above 0 and at most 1000",
        ),
        (
            {"category_weights-1-weight": ""},
            "category_weights",
            "Weight of 'exams' must be a number above 0 and at most 1000",
        ),
        (
            {"category_weights-1-name": ""},
            "category_weights",
            "Category names must be 1-50 characters, without NUL",
        ),
        (
            {"category_weights-1-name": "labs"},
            "category_weights",
            "Category 'labs' is listed twice.",
        ),
        ({"category_weights-1-weight": "lots"}, "category_weights-1-weight", "Not a valid"),
    ],
)
def test_a_refused_value_is_shown_by_its_field(
    pages: Pages, changes: dict[str, str], field_id: str, problem: str
) -> None:
    response = pages.submit("/courses/new", {**GOOD, **changes})
    assert response.status_code == 200
    assert field_error(response.text, field_id).startswith(problem)
    assert pages.api.read("/courses")["total"] == 0


def test_every_problem_is_shown_at_once(pages: Pages) -> None:
    page = pages.submit("/courses/new", {**GOOD, "code": "", "credits": "0"}).text
    assert field_error(page, "code") == "Code must be a non-empty string."
    assert field_error(page, "credits") == "Credits must be at least 0.5."


def test_what_was_typed_stays_in_the_form(pages: Pages) -> None:
    page = pages.submit("/courses/new", {**GOOD, "credits": "50"}).text
    assert 'value="BIO110"' in page
    assert 'value="labs"' in page


def test_a_duplicate_code_is_shown_by_the_code_field(pages: Pages, seed: dict[str, Any]) -> None:
    page = pages.submit("/courses/new", {**GOOD, "code": "MATH101"}).text
    assert field_error(page, "code") == "A course with this code already exists"


def test_a_course_without_weights_grades_by_points(pages: Pages) -> None:
    blank = {name: "" for name in GOOD if name.startswith("category_weights")}
    response = pages.submit("/courses/new", {**GOOD, **blank})
    assert response.status_code == 302
    assert pages.api.read("/courses")["items"][0]["category_weights"] == {}


def test_the_edit_form_holds_the_course(pages: Pages, seed: dict[str, Any]) -> None:
    page = pages.client.get("/courses/1/edit").text
    assert 'value="MATH101"' in page
    assert 'name="category_weights-1-name" type="text" value="exams"' in page
    # Two blank rows after the filled ones, for new categories.
    assert 'id="category_weights-3-name"' in page
    assert 'id="category_weights-4-name"' not in page


def test_edits_a_course_and_its_weights(pages: Pages, seed: dict[str, Any]) -> None:
    data = course_form("MATH102", "Calculus II", {"homework": "30", "exams": "70"}, credits="5")
    response = pages.submit("/courses/1/edit", data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/courses/1"
    course = pages.api.read("/courses/1")
    assert course["code"] == "MATH102"
    assert course["category_weights"] == {"homework": 30, "exams": 70}
    # Ada: 0.3 * 90 + 0.7 * 80 = 83.0.
    assert "83.0" in pages.client.get("/courses/1").text


def test_a_category_in_use_keeps_its_weight(pages: Pages, seed: dict[str, Any]) -> None:
    data = course_form("MATH101", "Calculus", {"homework": "100"})
    page = pages.submit("/courses/1/edit", data).text
    assert field_error(page, "category_weights") == (
        "Assignments still use categories without a weight: ['exams']"
    )
    assert pages.api.read("/courses/1")["category_weights"] == {"homework": 40, "exams": 60}


def test_an_edit_to_a_taken_code_is_refused(pages: Pages, seed: dict[str, Any]) -> None:
    pages.api.create("/courses", {"code": "PHYS1", "name": "Physics"})
    page = pages.submit("/courses/1/edit", {"code": "PHYS1", "name": "Calculus"}).text
    assert field_error(page, "code") == "A course with this code already exists"


def test_delete_asks_first_then_deletes(pages: Pages, seed: dict[str, Any]) -> None:
    pages.delete_confirmed(
        "/courses/1/delete",
        ["Delete MATH101?", "3 assignment(s), 2 enrollment(s) and 4 grade(s) are deleted with it."],
        then="/",
    )
    assert pages.api.get("/courses/1").status_code == 404
    assert pages.api.read("/grades")["total"] == 0
