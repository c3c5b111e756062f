"""Enrollments: which students take which courses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from ..db import db
from ..errors import ApiError
from ..models import Course, Enrollment, Student
from ..report_cache import invalidate_course
from .common import ID, filter_arg, get_or_404, get_or_422, paginated, parse
from .writes import check_if_match, locked_or_404, saved

bp = Blueprint("enrollments", __name__, url_prefix="/enrollments")

FIELDS = {"student_id": ID, "course_id": ID}
DUPLICATE = "The student is already enrolled in this course"


@bp.get("")
def list_enrollments() -> dict[str, Any]:
    statement = select(Enrollment).order_by(Enrollment.id)
    course_id, student_id = filter_arg("course_id"), filter_arg("student_id")
    if course_id is not None:
        statement = statement.where(Enrollment.course_id == course_id)
    if student_id is not None:
        statement = statement.where(Enrollment.student_id == student_id)
    return paginated(statement)


@bp.post("")
def create_enrollment() -> tuple[dict[str, Any], int]:
    data = parse(FIELDS)
    student = get_or_422(Student, "student_id", data["student_id"])
    course = get_or_422(Course, "course_id", data["course_id"])
    exists = db.session.scalar(
        select(Enrollment.id).where(Enrollment.student == student, Enrollment.course == course)
    )
    if exists is not None:
        raise ApiError(409, "conflict", DUPLICATE)
    enrollment = Enrollment(student=student, course=course)
    db.session.add(enrollment)
    body = saved(enrollment, DUPLICATE)
    invalidate_course(body["course_id"])
    return body, 201


@bp.get("/<int:enrollment_id>")
def get_enrollment(enrollment_id: int) -> dict[str, Any]:
    return get_or_404(Enrollment, enrollment_id).to_dict()


@bp.delete("/<int:enrollment_id>")
def delete_enrollment(enrollment_id: int) -> tuple[str, int]:
    """Unenroll the student; the database deletes their grades in the course with it
    (grades' (student_id, course_id) foreign key, ON DELETE CASCADE)."""
    enrollment = locked_or_404(Enrollment, enrollment_id)
    check_if_match(enrollment)
    course_id = enrollment.course_id
    db.session.delete(enrollment)
    db.session.commit()
    invalidate_course(course_id)
    return "", 204
