"""Computed reports: a student in a course, a course summary, a student's GPA."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from sqlalchemy import select

from .. import reports
from ..db import db
from ..errors import ApiError
from ..models import Course, Enrollment, Student
from .common import get_or_404

bp = Blueprint("reports", __name__)


@bp.get("/courses/<int:course_id>/students/<int:student_id>/report")
def student_in_course(course_id: int, student_id: int) -> dict[str, Any] | Response:
    hit = reports.cached_student_in_course(course_id, student_id)
    if hit is not None:
        return hit
    course = get_or_404(Course, course_id)
    student = get_or_404(Student, student_id)
    enrolled = db.session.scalar(
        select(Enrollment.id).where(Enrollment.course == course, Enrollment.student == student)
    )
    if enrolled is None:
        raise ApiError(404, "not_found", f"Student {student_id} is not enrolled in this course")
    return reports.student_in_course(course, student)


@bp.get("/courses/<int:course_id>/summary")
def course_summary(course_id: int) -> dict[str, Any] | Response:
    hit = reports.cached_course_summary(course_id)
    if hit is not None:
        return hit
    return reports.course_summary(get_or_404(Course, course_id))


@bp.get("/students/<int:student_id>/gpa")
def student_gpa(student_id: int) -> dict[str, Any]:
    return reports.student_gpa(get_or_404(Student, student_id))
