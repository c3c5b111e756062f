"""Courses: code, name, credits (for GPA) and category weights."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from ..db import db
from ..errors import ApiError
from ..models import Assignment, Course
from .common import Field, accepts
from .routes import create_route, read_routes
from .writes import deleted, patching, updated

FIELDS = {
    "code": Field("str", max_length=20),
    "name": Field("str"),
    "credits": Field("number", required=False, minimum=0.5, maximum=20),
    "category_weights": Field("weights", required=False),
}
DUPLICATE = "A course with this code already exists"

bp = Blueprint("courses", __name__, url_prefix="/courses")
read_routes(bp, Course, (Course.code,))
create_route(bp, Course, FIELDS, DUPLICATE)


@bp.patch("/<int:course_id>")
@accepts(FIELDS, partial=True)
def update_course(course_id: int) -> dict[str, Any]:
    # Locked: an assignment created meanwhile (which locks the course too) is either seen by
    # the category check below or checked against the new weights.
    course, data = patching(Course, course_id)
    check_weights_cover(course, data.get("category_weights"))
    return updated(course, data, [course_id], DUPLICATE)


def check_weights_cover(course: Course, weights: dict[str, float] | None) -> None:
    """A 409 when new ``weights`` leave out a category the course's assignments use (the
    course locked by the caller); None or empty weights (grading by points) always fit."""
    if weights:
        used = set(
            db.session.scalars(select(Assignment.category).where(Assignment.course == course))
        )
        missing = sorted(used - set(weights))
        if missing:
            raise ApiError(
                409, "conflict", f"Assignments still use categories without a weight: {missing}"
            )


@bp.delete("/<int:course_id>")
def delete_course(course_id: int) -> tuple[str, int]:
    return deleted(Course, course_id, lambda course: [course.id])
