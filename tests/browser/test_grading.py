"""A teacher's work today, end to end in Chromium against gunicorn on PostgreSQL: sign in with
the email and password of ``flask create-teacher``, add a student, record a grade and see it
counted."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import HttpApi, LiveApp, assert_accessible, sign_in


def test_sign_in_with_email_and_password_shows_the_courses(
    page: Page, live_app: LiveApp, seeded: dict[str, dict[str, Any]]
) -> None:
    page.goto(live_app.url + "/")
    expect(page).to_have_url(f"{live_app.url}/login")
    sign_in(page, live_app)
    expect(page.get_by_role("link", name="BIO110")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.parametrize("email", ["teacher@example.com", "nobody@example.com"])
def test_a_wrong_password_or_unknown_email_is_refused_alike(
    page: Page, live_app: LiveApp, email: str
) -> None:
    page.goto(f"{live_app.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    page.goto(live_app.url + "/")
    expect(page).to_have_url(f"{live_app.url}/login")


def test_a_recorded_grade_is_shown_and_counted(
    signed_in: Page, live_app: LiveApp, api: HttpApi, seeded: dict[str, dict[str, Any]], axe: str
) -> None:
    page = signed_in
    page.get_by_label("Name").fill("Alan Turing")
    page.get_by_label("Email").fill("alan@example.com")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Added Alan Turing.")).to_be_visible()
    expect(page.get_by_role("heading", name="Alan Turing")).to_be_visible()
    student_id = int(page.url.rsplit("/", 1)[1])
    # Added on the course list, the student is in none of the teacher's courses, so no roster
    # offers them yet: the API enrolls them (test_course_flow enrolls through the pages).
    api.create("/enrollments", {"student_id": student_id, "course_id": seeded["course"]["id"]})

    page.get_by_role("link", name="Grade Tracker").click()
    page.get_by_role("link", name="BIO110").click()
    page.get_by_label("Student").select_option(label="Alan Turing")
    page.get_by_label("Assignment").select_option(label="Final")
    page.get_by_label("Score").fill("91")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Grade saved.")).to_be_visible()
    assert_accessible(page, axe)
    row = page.get_by_role("row").filter(has_text="Alan Turing")
    # Student, Lab 1 (ungraded), Final, %, letter: only the exams count so far.
    expect(row.get_by_role("cell")).to_have_text(["Alan Turing", "-", "91.0", "91.0", "A"])
    row.get_by_role("link", name="Alan Turing").click()
    report = page.get_by_role("row").filter(has_text="BIO110")
    expect(report).to_contain_text("91.0")
