"""Students: name and unique email."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from ..db import db
from ..models import Enrollment, Student
from ..report_cache import invalidate_course
from .common import Field, check_email, get_or_404, paginated, parse
from .writes import check_if_match, locked_or_404, saved

bp = Blueprint("students", __name__, url_prefix="/students")

FIELDS = {
    "name": Field("str"),
    "email": Field("str", max_length=254, check=check_email),
}
DUPLICATE = "A student with this email already exists"


@bp.get("")
def list_students() -> dict[str, Any]:
    return paginated(select(Student).order_by(Student.name, Student.id))


@bp.post("")
def create_student() -> tuple[dict[str, Any], int]:
    student = Student(**parse(FIELDS))
    db.session.add(student)
    return saved(student, DUPLICATE), 201


@bp.get("/<int:student_id>")
def get_student(student_id: int) -> dict[str, Any]:
    return get_or_404(Student, student_id).to_dict()


@bp.patch("/<int:student_id>")
def update_student(student_id: int) -> dict[str, Any]:
    student = locked_or_404(Student, student_id)
    check_if_match(student)
    for name, value in parse(FIELDS, partial=True).items():
        setattr(student, name, value)
    body = saved(student, DUPLICATE)
    for course_id in _course_ids(student_id):
        invalidate_course(course_id)
    return body


@bp.delete("/<int:student_id>")
def delete_student(student_id: int) -> tuple[str, int]:
    student = locked_or_404(Student, student_id)
    check_if_match(student)
    course_ids = _course_ids(student_id)
    db.session.delete(student)
    db.session.commit()
    for course_id in course_ids:
        invalidate_course(course_id)
    return "", 204


def _course_ids(student_id: int) -> list[int]:
    # Course summaries list student names, so they change with the student.
    return list(
        db.session.scalars(select(Enrollment.course_id).where(Enrollment.student_id == student_id))
    )
