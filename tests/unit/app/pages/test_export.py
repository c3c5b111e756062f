from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from app.pages.export import neutralised
from tests.unit.app.pages.conftest import Pages


def _rows(pages: Pages, path: str = "/courses/1/grades.csv") -> list[list[str]]:
    response = pages.client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_exports_the_gradebook(pages: Pages, seed: dict[str, Any]) -> None:
    response = pages.client.get("/courses/1/grades.csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=MATH101-grades.csv"
    assert _rows(pages) == [
        [
            "Student",
            "Email",
            "HW1 (homework, out of 20)",
            "HW2 (homework, out of 10)",
            "Midterm (exams, out of 100)",
            "Percentage",
            "Letter",
        ],
        ["Ada", "ada@example.com", "18.0", "9.0", "80.0", "84.0", "B"],
        ["Bob", "bob@example.com", "10.0", "", "", "50.0", "F"],
    ]


@pytest.mark.parametrize(
    ("typed", "exported"),
    [
        ('=HYPERLINK("https://evil.example","x")', '\'=HYPERLINK("https://evil.example","x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ada = top", "Ada = top"),
        (84.5, "84.5"),
        (None, ""),
    ],
)
def test_a_cell_that_would_start_a_formula_is_neutralised(typed: Any, exported: str) -> None:
    assert neutralised(typed) == exported


def test_names_and_titles_cannot_inject_formulas(pages: Pages) -> None:
    course = pages.api.create("/courses", {"code": "=1+1", "name": "Evil"})
    student = pages.api.create("/students", {"name": "=cmd|'/C calc'!A0", "email": "e@x.io"})
    pages.api.create("/enrollments", {"student_id": student["id"], "course_id": course["id"]})
    pages.api.create(
        "/assignments",
        {"course_id": course["id"], "title": "@SUM(A1)", "category": "+x", "max_points": 10},
    )
    rows = _rows(pages, f"/courses/{course['id']}/grades.csv")
    assert rows[0][2] == "'@SUM(A1) (+x, out of 10)"
    assert rows[1][:2] == ["'=cmd|'/C calc'!A0", "e@x.io"]
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_every_cell_is_quoted(pages: Pages, seed: dict[str, Any]) -> None:
    text = pages.client.get("/courses/1/grades.csv").get_data(as_text=True)
    assert text.splitlines()[1] == '"Ada","ada@example.com","18.0","9.0","80.0","84.0","B"'
