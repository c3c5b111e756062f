"""Assignments: belong to a course, have a category and the points they are marked out of."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import func, select

from ..db import db, locked
from ..errors import ApiError
from ..models import Assignment, Course, Grade
from .common import ID, Field, accepts, get_or_404, invalid_body, parse_body
from .routes import read_routes
from .writes import check_if_match, created, deleted, locked_or_404, locked_or_422, updated

bp = Blueprint("assignments", __name__, url_prefix="/assignments")
read_routes(
    bp, Assignment, (Assignment.course_id, Assignment.id), {"course_id": Assignment.course_id}
)

FIELDS = {
    "course_id": ID,
    "title": Field("str"),
    "category": Field("str", max_length=50),
    "max_points": Field("number", minimum=0.01, maximum=100000),
}
UPDATABLE = {name: spec for name, spec in FIELDS.items() if name != "course_id"}


def check_category(course: Course, category: str) -> None:
    """A 422 on ``category`` unless the course grades by points or weighs that category."""
    weights = course.category_weights or {}
    if weights and category not in weights:
        raise invalid_body(
            {"category": f"must be one of the course's categories: {sorted(weights)}"}
        )


@bp.post("")
@accepts(FIELDS)
def create_assignment() -> tuple[dict[str, Any], int]:
    data = parse_body()
    # Locked: a concurrent change of the weights waits, or is done and read here.
    course = locked_or_422(Course, "course_id", data.pop("course_id"))
    check_category(course, data["category"])
    return created(Assignment(course=course, **data))


@bp.patch("/<int:assignment_id>")
@accepts(UPDATABLE, partial=True)
def update_assignment(assignment_id: int) -> dict[str, Any]:
    # The course first, then the assignment (db.locked's order): the category is checked
    # against weights no one changes meanwhile, max_points against every committed grade, and
    # a grade written meanwhile (its writer locks the assignment) waits and sees the new max.
    course_id = get_or_404(Assignment, assignment_id).course_id
    locked(Course, course_id)
    assignment = locked_or_404(Assignment, assignment_id)
    check_if_match(assignment)
    data = parse_body()
    if "category" in data:
        check_category(assignment.course, data["category"])
    if "max_points" in data:
        top = db.session.scalar(
            select(func.max(Grade.score)).where(Grade.assignment_id == assignment_id)
        )
        if top is not None and top > data["max_points"]:
            raise ApiError(
                409, "conflict", f"Existing grades go up to {top:g}, above the new max_points"
            )
    return updated(assignment, data, [course_id])


@bp.delete("/<int:assignment_id>")
def delete_assignment(assignment_id: int) -> tuple[str, int]:
    return deleted(Assignment, assignment_id, lambda assignment: [assignment.course_id])
