"""Whose data a request may see: every page and API lookup of a course or a student goes
through here.

Provisional (issue 25): this is the contract's shape without ownership yet, plain lookups that
let every signed-in token see everything, as the app did so far. The version that scopes each
lookup to the signed-in teacher replaces it; callers do not change.
"""

from __future__ import annotations

from flask import abort, g
from sqlalchemy import Select, select

from .models import Course, Student, get_by_id


def current_teacher_id() -> int:
    """The signed-in teacher; until teachers exist, the id of the token the request uses."""
    if g.grant is None:
        abort(401)
    return int(g.grant.id)


def courses_query() -> Select[tuple[Course]]:
    """The courses the current teacher owns, by code."""
    return select(Course).order_by(Course.code)


def course_or_404(course_id: int) -> Course:
    """The course, or a 404 when it is not the current teacher's."""
    course = get_by_id(Course, course_id)
    if course is None:
        abort(404)
    return course


def student_or_404(student_id: int) -> Student:
    """The student, or a 404 unless enrolled in one of the current teacher's courses."""
    student = get_by_id(Student, student_id)
    if student is None:
        abort(404)
    return student
