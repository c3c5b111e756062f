"""Computed reports: a student in a course, a course summary, a student's GPA.

The one-course reports are cached reads: the keys they read are registered with ``app.auth``
(``init_app``), so the request's credential carries them and its rate-limit count reads them
along; a stored report is answered as its stored body, without touching the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, g

from .. import report_cache, reports
from ..auth import register_cached_read
from ..errors import ApiError
from ..models import Course, Student, is_enrolled
from .common import get_or_404

if TYPE_CHECKING:
    from flask import Flask

bp = Blueprint("reports", __name__)


def _look_up() -> report_cache.Lookup:
    """The stored report, from the keys and values this request's credential read."""
    credential = g.credential
    return report_cache.look_up(credential.report_keys, credential.values())


@bp.get("/courses/<int:course_id>/students/<int:student_id>/report")
def student_in_course(course_id: int, student_id: int) -> Response:
    lookup = _look_up()
    if lookup.body is not None:
        return report_cache.answer(lookup.body)
    course = get_or_404(Course, course_id)
    student = get_or_404(Student, student_id)
    if not is_enrolled(student.id, course.id):
        raise ApiError(404, "not_found", f"Student {student_id} is not enrolled in this course")
    return report_cache.store(lookup, reports.student_in_course(course, student))


@bp.get("/courses/<int:course_id>/summary")
def course_summary(course_id: int) -> Response:
    lookup = _look_up()
    if lookup.body is not None:
        return report_cache.answer(lookup.body)
    return report_cache.store(lookup, reports.course_summary(get_or_404(Course, course_id)))


@bp.get("/students/<int:student_id>/gpa")
def student_gpa(student_id: int) -> dict[str, Any]:
    return report_cache.student_gpa(get_or_404(Student, student_id))


def init_app(app: Flask) -> None:
    """Make the one-course reports cached reads: their keys travel with the credential."""
    register_cached_read(app, "reports.course_summary", report_cache.summary_keys)
    register_cached_read(app, "reports.student_in_course", report_cache.student_keys)
