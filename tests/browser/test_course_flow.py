"""A teacher runs a course in Chromium from nothing, through the pages only: create it with
weighted categories, add assignments, enroll students, record grades and see the averages
change, correct a grade, export the gradebook, edit the weights, then unenroll, delete an
assignment and delete the course, each after its confirmation page. Every page is checked with
axe-core on the way (and by the ``page`` fixture for console errors and CSP violations); the
main ones are saved as screenshots for reviewers."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.support import LiveApp, assert_accessible, screenshot


class Teacher:
    """The signed-in page, and what every step does after it: check the page, keep a shot."""

    def __init__(self, page: Page, axe: str, shots: Path) -> None:
        self.page = page
        self.axe = axe
        self.shots = shots

    def check(self, shot: str | None = None) -> None:
        assert_accessible(self.page, self.axe)
        if shot:
            screenshot(self.page, self.shots, shot)

    def link(self, name: str) -> None:
        self.page.get_by_role("link", name=name, exact=True).click()

    def button(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def fill(self, fields: dict[str, str]) -> None:
        for label, value in fields.items():
            self.page.get_by_label(label, exact=True).fill(value)

    def expect_row(self, student: str, cells: list[str]) -> None:
        row = self.page.get_by_role("row").filter(has_text=student)
        expect(row.get_by_role("cell")).to_have_text([student, *cells])

    def delete(self, link: str, question: str, button: str, done: str) -> None:
        """Follow a delete's ``link``, check its confirmation page asks ``question`` (and keep a
        shot of it), confirm with ``button`` and expect ``done`` flashed."""
        self.link(link)
        expect(self.page.get_by_role("heading", name=question)).to_be_visible()
        self.check("confirm-" + link.lower().replace(" ", "-"))
        self.button(button)
        expect(self.page.get_by_text(done)).to_be_visible()

    def grade(self, assignment: str, scores: dict[str, str]) -> None:
        """Enter ``scores`` (student -> score) on the assignment's grade sheet."""
        self.link(assignment)
        expect(self.page.get_by_role("heading", name=f"Grades for {assignment}")).to_be_visible()
        self.fill(scores)
        self.button("Save grades")


def test_a_teacher_runs_a_course_from_the_pages(
    signed_in: Page, seeded: dict[str, dict[str, Any]], axe: str, report_dir: Path
) -> None:
    page = signed_in
    teacher = Teacher(page, axe, report_dir / "screenshots")

    teacher.link("New course")
    teacher.fill({"Code": "CHEM200", "Name": "Chemistry", "Credits": "4"})
    # The script's enhancement: a third category row, numbered like the others.
    teacher.button("Add a category")
    expect(page.get_by_label("Category 3", exact=True)).to_be_focused()
    teacher.fill({"Category 1": "labs", "Weight 1": "40", "Category 2": "exams", "Weight 2": "0"})
    teacher.button("Create course")
    # The server's refusal, next to the field it is about, and what was typed kept.
    weights = page.get_by_role("group", name="Category weights")
    expect(weights).to_contain_text("Weight of 'exams' must be a number above 0")
    expect(page.get_by_label("Code", exact=True)).to_have_value("CHEM200")
    teacher.check("course-form-refused")
    teacher.fill({"Weight 2": "60"})
    teacher.button("Create course")
    expect(page.get_by_text("Created CHEM200.")).to_be_visible()
    expect(page.get_by_role("heading", name="CHEM200: Chemistry")).to_be_visible()

    for title, category, points in [("Lab 1", "labs", "20"), ("Final", "exams", "100")]:
        teacher.link("Add an assignment")
        teacher.fill({"Title": title, "Category": category, "Out of (points)": points})
        teacher.check("new-assignment-form")
        teacher.button("Add assignment")
        expect(page.get_by_text(f"Added {title}.")).to_be_visible()

    teacher.link("Students")
    for name, email in [("Marie Curie", "marie@example.com"), ("Rosalind Franklin", "rf@x.org")]:
        teacher.fill({"Name": name, "Email": email})
        teacher.button("Add and enroll")
        expect(page.get_by_text(f"Enrolled {name}.")).to_be_visible()
    # A student of the teacher's other course (BIO110, seeded) is offered for enrolling.
    page.get_by_label("Student", exact=True).select_option(label="Grace Hopper")
    teacher.button("Enroll")
    expect(page.get_by_text("Enrolled Grace Hopper.")).to_be_visible()
    teacher.check("roster")

    teacher.link("Gradebook")
    teacher.grade("Lab 1", {"Marie Curie": "18", "Rosalind Franklin": "10"})
    expect(page.get_by_text("Lab 1: 2 grade(s) changed.")).to_be_visible()
    # Only the labs are graded so far: they are the whole percentage.
    teacher.expect_row("Marie Curie", ["18.0", "-", "90.0", "A"])
    teacher.expect_row("Rosalind Franklin", ["10.0", "-", "50.0", "F"])
    teacher.expect_row("Grace Hopper", ["-", "-", "-", "-"])
    expect(page.get_by_text("Average: 70.0.")).to_be_visible()

    teacher.link("Final")
    teacher.fill({"Marie Curie": "101"})
    teacher.button("Save grades")
    expect(page.get_by_text("Score must be between 0 and 100.")).to_be_visible()
    teacher.check("grade-sheet-refused")
    teacher.fill({"Marie Curie": "80"})
    teacher.button("Save grades")
    # 0.4 x 90 + 0.6 x 80.
    teacher.expect_row("Marie Curie", ["18.0", "80.0", "84.0", "B"])
    expect(page.get_by_text("Average: 67.0.")).to_be_visible()

    # A correction: Rosalind's lab was 20, not 10.
    teacher.grade("Lab 1", {"Rosalind Franklin": "20"})
    expect(page.get_by_text("Lab 1: 1 grade(s) changed.")).to_be_visible()
    teacher.expect_row("Rosalind Franklin", ["20.0", "-", "100.0", "A"])
    expect(page.get_by_text("Average: 92.0.")).to_be_visible()
    teacher.check("gradebook-graded")

    with page.expect_download() as download:
        teacher.link("Export CSV")
    saved = report_dir / "CHEM200-grades.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "CHEM200-grades.csv"
    with saved.open(encoding="utf-8-sig", newline="") as exported:
        rows = list(csv.reader(exported))
    assert rows[0][2:] == [
        "Lab 1 (labs, out of 20)",
        "Final (exams, out of 100)",
        "Percentage",
        "Letter",
    ]
    assert ["Marie Curie", "marie@example.com", "18.0", "80.0", "84.0", "B"] in rows

    teacher.link("Edit course and weights")
    expect(page.get_by_label("Weight 2", exact=True)).to_have_value("60.0")
    teacher.fill({"Weight 1": "60", "Weight 2": "40"})
    teacher.check("edit-course")
    teacher.button("Save course")
    # 0.6 x 90 + 0.4 x 80.
    teacher.expect_row("Marie Curie", ["18.0", "80.0", "86.0", "B"])

    teacher.link("Students")
    teacher.delete(
        "Unenroll Grace Hopper",
        "Unenroll Grace Hopper from CHEM200?",
        "Unenroll",
        "Unenrolled Grace Hopper.",
    )
    expect(page.get_by_role("link", name="Unenroll Grace Hopper")).to_have_count(0)

    teacher.link("Gradebook")
    teacher.delete(
        "Delete Final", "Delete Final from CHEM200?", "Delete assignment", "Deleted Final"
    )
    teacher.expect_row("Marie Curie", ["18.0", "90.0", "A"])

    teacher.delete("Delete course", "Delete CHEM200?", "Delete course", "Deleted CHEM200 with")
    expect(page.get_by_role("link", name="CHEM200")).to_have_count(0)
    expect(page.get_by_role("link", name="BIO110")).to_be_visible()


def test_a_delete_can_be_cancelled(
    signed_in: Page, live_app: LiveApp, seeded: dict[str, dict[str, Any]]
) -> None:
    page = signed_in
    course = seeded["course"]
    page.goto(f"{live_app.url}/courses/{course['id']}/delete")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="BIO110: Biology")).to_be_visible()


def test_the_forms_work_without_javascript(
    browser: Browser, live_app: LiveApp, session_cookies: list[Any], axe: str, report_dir: Path
) -> None:
    """With scripts off, the same forms create a course, grade it and delete it: the spare
    category rows stand in for the "Add a category" button, which stays hidden."""
    context = browser.new_context(java_script_enabled=False)
    try:
        context.add_cookies(session_cookies)
        page = context.new_page()
        teacher = Teacher(page, axe, report_dir / "screenshots")
        page.goto(f"{live_app.url}/courses/new")
        expect(page.get_by_role("button", name="Add a category")).to_be_hidden()
        teacher.fill(
            {
                "Code": "HIST9",
                "Name": "History",
                "Category 1": "essays",
                "Weight 1": "1",
                "Category 2": "tests",
                "Weight 2": "1",
            }
        )
        teacher.button("Create course")
        expect(page.get_by_role("heading", name="HIST9: History")).to_be_visible()
        teacher.link("Add an assignment")
        teacher.fill({"Title": "Essay", "Category": "essays", "Out of (points)": "10"})
        teacher.button("Add assignment")
        teacher.link("Students")
        teacher.fill({"Name": "Ada Lovelace", "Email": "ada.lovelace@example.com"})
        teacher.button("Add and enroll")
        teacher.link("Gradebook")
        teacher.grade("Essay", {"Ada Lovelace": "7"})
        teacher.expect_row("Ada Lovelace", ["7.0", "70.0", "C"])
        teacher.link("Delete course")
        teacher.button("Delete course")
        expect(page.get_by_role("link", name="HIST9")).to_have_count(0)
    finally:
        context.close()
