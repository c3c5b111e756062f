"""Grades: one score per student per assignment, for enrolled students only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from .. import grading
from ..db import db, locked
from ..errors import ApiError
from ..models import Assignment, Grade, Student, is_enrolled
from .common import ID, Field, accepts, get_or_404, get_or_422, invalid_body, parse_body
from .routes import read_routes
from .writes import check_if_match, created, deleted, locked_or_404, locked_or_422, updated

bp = Blueprint("grades", __name__, url_prefix="/grades")
read_routes(
    bp,
    Grade,
    (Grade.id,),
    {
        "student_id": Grade.student_id,
        "assignment_id": Grade.assignment_id,
        "course_id": Grade.course_id,
    },
)

FIELDS = {
    "student_id": ID,
    "assignment_id": ID,
    "score": Field("number"),
}
SCORE_ONLY = {"score": FIELDS["score"]}
DUPLICATE = "This student already has a grade for this assignment; PATCH it instead"


def _check_score(score: float, assignment: Assignment) -> None:
    try:
        grading.validate_score(score, assignment.max_points)
    except ValueError as exc:
        raise invalid_body({"score": str(exc)}) from None


@bp.post("")
@accepts(FIELDS)
def create_grade() -> tuple[dict[str, Any], int]:
    data = parse_body()
    student = get_or_422(Student, "student_id", data["student_id"])
    # Locked: a concurrent max_points change waits for this grade or is read here. An
    # unenrollment meanwhile makes the insert fail its foreign key (a 409), never a grade
    # without an enrollment.
    assignment = locked_or_422(Assignment, "assignment_id", data["assignment_id"])
    if not is_enrolled(student.id, assignment.course_id):
        raise invalid_body({"student_id": "the student is not enrolled in the assignment's course"})
    _check_score(data["score"], assignment)
    existing = db.session.scalar(
        select(Grade.id).where(Grade.student == student, Grade.assignment == assignment)
    )
    if existing is not None:
        raise ApiError(409, "conflict", DUPLICATE)
    return created(Grade(student=student, assignment=assignment, score=data["score"]), DUPLICATE)


@bp.patch("/<int:grade_id>")
@accepts(SCORE_ONLY)
def update_grade(grade_id: int) -> dict[str, Any]:
    # The assignment, then the grade (db.locked's order); If-Match is checked on the locked grade.
    locked(Assignment, get_or_404(Grade, grade_id).assignment_id)
    grade = locked_or_404(Grade, grade_id)
    check_if_match(grade)
    score = parse_body()["score"]
    _check_score(score, grade.assignment)
    return updated(grade, {"score": score}, [grade.course_id])


@bp.delete("/<int:grade_id>")
def delete_grade(grade_id: int) -> tuple[str, int]:
    return deleted(Grade, grade_id, lambda grade: [grade.course_id])
