"""Students: name and unique email."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from ..db import db
from ..models import Enrollment, Student
from .common import EMAIL_ADDRESS, Field, accepts
from .routes import create_route, read_routes
from .writes import deleted, patching, updated

FIELDS = {
    "name": Field("str"),
    "email": EMAIL_ADDRESS,
}
DUPLICATE = "A student with this email already exists"

bp = Blueprint("students", __name__, url_prefix="/students")
read_routes(bp, Student, (Student.name, Student.id))
create_route(bp, Student, FIELDS, DUPLICATE)


@bp.patch("/<int:student_id>")
@accepts(FIELDS, partial=True)
def update_student(student_id: int) -> dict[str, Any]:
    student, data = patching(Student, student_id)
    return updated(student, data, _course_ids(student), DUPLICATE)


@bp.delete("/<int:student_id>")
def delete_student(student_id: int) -> tuple[str, int]:
    return deleted(Student, student_id, _course_ids)


def _course_ids(student: Student) -> list[int]:
    # Course summaries list student names, so they change with the student.
    return list(
        db.session.scalars(select(Enrollment.course_id).where(Enrollment.student_id == student.id))
    )
