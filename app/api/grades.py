"""Grades: one score per student per assignment, for enrolled students only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from .. import grading
from ..db import db, locked
from ..errors import ApiError
from ..models import Assignment, Enrollment, Grade, Student
from ..report_cache import invalidate_course
from .common import ID, Field, filter_arg, get_or_404, get_or_422, paginated, parse
from .writes import check_if_match, locked_or_404, locked_or_422, saved

bp = Blueprint("grades", __name__, url_prefix="/grades")

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
        raise ApiError(
            422, "validation_error", "The request body is invalid", {"score": str(exc)}
        ) from None


@bp.get("")
def list_grades() -> dict[str, Any]:
    statement = select(Grade).order_by(Grade.id)
    for name, column in (
        ("student_id", Grade.student_id),
        ("assignment_id", Grade.assignment_id),
        ("course_id", Grade.course_id),
    ):
        value = filter_arg(name)
        if value is not None:
            statement = statement.where(column == value)
    return paginated(statement)


@bp.post("")
def create_grade() -> tuple[dict[str, Any], int]:
    data = parse(FIELDS)
    student = get_or_422(Student, "student_id", data["student_id"])
    # Locked: a concurrent max_points change waits for this grade or is read here. An
    # unenrollment meanwhile makes the insert fail its foreign key (a 409), never a grade
    # without an enrollment.
    assignment = locked_or_422(Assignment, "assignment_id", data["assignment_id"])
    enrolled = db.session.scalar(
        select(Enrollment.id).where(
            Enrollment.student == student, Enrollment.course_id == assignment.course_id
        )
    )
    if enrolled is None:
        raise ApiError(
            422,
            "validation_error",
            "The request body is invalid",
            {"student_id": "the student is not enrolled in the assignment's course"},
        )
    _check_score(data["score"], assignment)
    existing = db.session.scalar(
        select(Grade.id).where(Grade.student == student, Grade.assignment == assignment)
    )
    if existing is not None:
        raise ApiError(409, "conflict", DUPLICATE)
    grade = Grade(student=student, assignment=assignment, score=data["score"])
    db.session.add(grade)
    body = saved(grade, DUPLICATE)
    invalidate_course(body["course_id"])
    return body, 201


@bp.get("/<int:grade_id>")
def get_grade(grade_id: int) -> dict[str, Any]:
    return get_or_404(Grade, grade_id).to_dict()


@bp.patch("/<int:grade_id>")
def update_grade(grade_id: int) -> dict[str, Any]:
    # The assignment, then the grade (db.locked's order); If-Match is checked on the locked grade.
    locked(Assignment, get_or_404(Grade, grade_id).assignment_id)
    grade = locked_or_404(Grade, grade_id)
    check_if_match(grade)
    score = parse(SCORE_ONLY)["score"]
    _check_score(score, grade.assignment)
    grade.score = score
    body = saved(grade)
    invalidate_course(body["course_id"])
    return body


@bp.delete("/<int:grade_id>")
def delete_grade(grade_id: int) -> tuple[str, int]:
    grade = locked_or_404(Grade, grade_id)
    check_if_match(grade)
    course_id = grade.course_id
    db.session.delete(grade)
    db.session.commit()
    invalidate_course(course_id)
    return "", 204
