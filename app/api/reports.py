"""Computed reports: a student in a course, a course summary, a student's GPA.

The one-course reports are cached reads: the keys they read are registered with ``app.auth``
(``init_app``), so the request's credential carries them and its rate-limit count reads them
along; a stored report is answered as its stored body, without touching the database, when
it was built for the course of the teacher asking (the entry names the course's teacher): any
other request takes the database path, whose lookups are the teacher's own (a 404 for another's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, g

from .. import report_cache, reports
from ..auth import register_cached_read
from ..errors import ApiError
from ..models import Course, Student, is_enrolled
from ..ownership import current_teacher_id
from .common import get_or_404

if TYPE_CHECKING:
    from flask import Flask

bp = Blueprint("reports", __name__)


def _look_up() -> report_cache.Lookup:
    """The stored report, from the keys and values this request's credential read, if the
    current teacher may have it."""
    credential = g.credential
    return report_cache.look_up(
        credential.report_keys, credential.values(), teacher_id=current_teacher_id()
    )


@bp.get("/courses/<int:course_id>/students/<int:student_id>/report")
def student_in_course(course_id: int, student_id: int) -> Response:
    lookup = _look_up()
    if lookup.body is not None:
        return report_cache.answer(lookup.body)
    course = get_or_404(Course, course_id)
    student = get_or_404(Student, student_id)
    if not is_enrolled(student.id, course.id):
        raise ApiError(404, "not_found", f"Student {student_id} is not enrolled in this course")
    report = reports.student_in_course(course, student)
    return report_cache.store(lookup, report, course.teacher_id)


@bp.get("/courses/<int:course_id>/summary")
def course_summary(course_id: int) -> Response:
    lookup = _look_up()
    if lookup.body is not None:
        return report_cache.answer(lookup.body)
    course = get_or_404(Course, course_id)
    return report_cache.store(lookup, reports.course_summary(course), course.teacher_id)


@bp.get("/students/<int:student_id>/gpa")
def student_gpa(student_id: int) -> dict[str, Any]:
    return report_cache.student_gpa(get_or_404(Student, student_id))


def init_app(app: Flask) -> None:
    """Make the one-course reports cached reads: their keys travel with the credential."""
    register_cached_read(app, "reports.course_summary", report_cache.summary_keys)
    register_cached_read(app, "reports.student_in_course", report_cache.student_keys)
