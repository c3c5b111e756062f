"""Enrollments: which students take which courses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..errors import ApiError
from ..models import Course, Enrollment, Student, is_enrolled
from .common import ID, accepts, get_or_422, parse_body
from .routes import read_routes
from .writes import created, deleted

bp = Blueprint("enrollments", __name__, url_prefix="/enrollments")
read_routes(
    bp,
    Enrollment,
    (Enrollment.id,),
    {"course_id": Enrollment.course_id, "student_id": Enrollment.student_id},
)

FIELDS = {"student_id": ID, "course_id": ID}
DUPLICATE = "The student is already enrolled in this course"


@bp.post("")
@accepts(FIELDS)
def create_enrollment() -> tuple[dict[str, Any], int]:
    data = parse_body()
    enrollment = Enrollment(
        student_id=get_or_422(Student, "student_id", data["student_id"]).id,
        course_id=get_or_422(Course, "course_id", data["course_id"]).id,
    )
    if is_enrolled(enrollment.student_id, enrollment.course_id):
        raise ApiError(409, "conflict", DUPLICATE)
    return created(enrollment, DUPLICATE)


@bp.delete("/<int:enrollment_id>")
def delete_enrollment(enrollment_id: int) -> tuple[str, int]:
    """Unenroll the student; the database deletes their grades in the course with it
    (grades' (student_id, course_id) foreign key, ON DELETE CASCADE)."""
    return deleted(Enrollment, enrollment_id, lambda enrollment: [enrollment.course_id])
