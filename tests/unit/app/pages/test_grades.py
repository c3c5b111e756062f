from __future__ import annotations

from typing import Any

from tests.unit.app.pages.conftest import Pages, field_error


def _sheet(seed: dict[str, Any], name: str) -> str:
    return f"/courses/1/assignments/{seed[name]['id']}/grades"


def _scores(pages: Pages, assignment: dict[str, Any]) -> dict[int, float]:
    grades = pages.api.read(f"/grades?assignment_id={assignment['id']}")["items"]
    return {grade["student_id"]: grade["score"] for grade in grades}


def test_the_sheet_shows_each_student_with_their_score(pages: Pages, seed: dict[str, Any]) -> None:
    page = pages.client.get(_sheet(seed, "hw1")).text
    ada, bob = (f"score_{seed[name]['id']}" for name in ("ada", "bob"))
    assert f'<label for="{ada}">Ada</label>' in page
    assert f'id="{ada}" name="{ada}" step="any" type="number" value="18.0"' in page
    assert f'id="{bob}" name="{bob}" step="any" type="number" value="10.0"' in page


def test_records_a_grade_and_the_average_changes(pages: Pages, seed: dict[str, Any]) -> None:
    ada, bob = seed["ada"]["id"], seed["bob"]["id"]
    assert "50.0" in pages.client.get("/courses/1").text
    data = {f"score_{ada}": "80", f"score_{bob}": "70"}
    response = pages.submit(_sheet(seed, "exam"), data)
    assert response.headers["Location"] == "/courses/1"
    assert _scores(pages, seed["exam"]) == {ada: 80, bob: 70}
    # Bob: 0.4 * 50 + 0.6 * 70 = 62.0, where he had 50.0 with the exam ungraded.
    page = pages.client.get("/courses/1").text
    assert "62.0" in page
    assert "Midterm: 1 grade(s) changed." in page


def test_corrects_and_clears_grades(pages: Pages, seed: dict[str, Any]) -> None:
    ada, bob = seed["ada"]["id"], seed["bob"]["id"]
    response = pages.submit(_sheet(seed, "hw1"), {f"score_{ada}": "20", f"score_{bob}": ""})
    assert response.status_code == 302
    assert _scores(pages, seed["hw1"]) == {ada: 20}


def test_a_score_out_of_range_is_shown_by_its_field_and_nothing_is_saved(
    pages: Pages, seed: dict[str, Any]
) -> None:
    ada, bob = seed["ada"]["id"], seed["bob"]["id"]
    data = {f"score_{ada}": "19", f"score_{bob}": "21"}
    response = pages.submit(_sheet(seed, "hw1"), data)
    assert response.status_code == 200
    assert field_error(response.text, f"score_{bob}") == "Score must be between 0 and 20."
    assert f'id="score_{ada}-error"' not in response.text
    assert _scores(pages, seed["hw1"]) == {ada: 18, bob: 10}


def test_a_score_that_is_not_a_number_is_shown_by_its_field(
    pages: Pages, seed: dict[str, Any]
) -> None:
    bob = seed["bob"]["id"]
    page = pages.submit(_sheet(seed, "hw1"), {f"score_{bob}": "ten"}).text
    assert field_error(page, f"score_{bob}") == "Not a valid float value."


def test_a_name_is_text_on_the_sheet_never_markup(pages: Pages, seed: dict[str, Any]) -> None:
    name = "<img src=x onerror=alert(1)>"
    student = pages.api.create("/students", {"name": name, "email": "x@example.com"})
    pages.api.create("/enrollments", {"student_id": student["id"], "course_id": 1})
    page = pages.client.get(_sheet(seed, "hw1")).text
    assert "&lt;img src=x onerror=alert(1)&gt;</label>" in page
    assert name not in page
