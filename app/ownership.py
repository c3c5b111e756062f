"""Whose rows a request may see: the signed-in teacher's, and no one else's.

The teacher comes from ``g.grant`` (``app.auth``: a page sign-in or an API token, which acts
for the teacher who made it). Courses and students have a ``teacher_id``; assignments,
enrollments and grades belong to their course's teacher. Every lookup by id in the pages, the
API and the reports goes through here, and a row of another teacher is answered exactly as a
row that does not exist (404), so ids reveal nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort, g
from sqlalchemy import Select, select

from .db import db
from .models import MAX_ID, Assignment, Course, Enrollment, Grade, Student

M = TypeVar("M")
# The rows whose course says whose they are.
_BY_COURSE = (Assignment, Enrollment, Grade)


def current_teacher_id() -> int:
    """The signed-in teacher (page session or API token); 401 for a request without one (the
    views' sign-in checks run first, so this is a view that forgot its check)."""
    grant = g.get("grant")
    if grant is None:
        abort(401)
    teacher_id: int = grant.teacher_id
    return teacher_id


def owned(model: type[M]) -> Select[tuple[M]]:
    """A SELECT of the current teacher's rows of ``model`` (a course, student, assignment,
    enrollment or grade)."""
    teacher_id = current_teacher_id()
    statement = select(model)
    if model in _BY_COURSE:
        column: Any = model.course_id  # type: ignore[attr-defined]
        return statement.join(Course, Course.id == column).where(Course.teacher_id == teacher_id)
    return statement.where(model.teacher_id == teacher_id)  # type: ignore[attr-defined]


def owned_row(model: type[M], object_id: int) -> M | None:
    """The current teacher's row of ``model`` with ``object_id``, or None (ids outside
    1..MAX_ID name no row)."""
    if not 1 <= object_id <= MAX_ID:
        return None
    column: Any = model.id  # type: ignore[attr-defined]
    return db.session.scalar(owned(model).where(column == object_id))


def row_or_404(model: type[M], object_id: int) -> M:
    """``owned_row``, or a 404 (JSON under /api) naming the resource."""
    row = owned_row(model, object_id)
    if row is None:
        abort(404, f"{model.__name__} {object_id} does not exist")
    return row


def courses_query() -> Select[tuple[Course]]:
    """The courses the current teacher owns (unordered: add the order you show)."""
    return owned(Course)


def course_or_404(course_id: int) -> Course:
    """The current teacher's course ``course_id``; 404 for another teacher's or none."""
    return row_or_404(Course, course_id)


def student_or_404(student_id: int) -> Student:
    """The current teacher's student ``student_id`` (one they added; only they can enroll them
    in a course, and only in their own courses); 404 otherwise."""
    return row_or_404(Student, student_id)
