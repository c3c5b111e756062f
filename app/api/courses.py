"""Courses: code, name, credits (for GPA) and category weights."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from ..db import db
from ..errors import ApiError
from ..models import Assignment, Course
from ..report_cache import invalidate_course
from .common import Field, get_or_404, paginated, parse
from .writes import check_if_match, locked_or_404, saved

bp = Blueprint("courses", __name__, url_prefix="/courses")

FIELDS = {
    "code": Field("str", max_length=20),
    "name": Field("str"),
    "credits": Field("number", required=False, minimum=0.5, maximum=20),
    "category_weights": Field("weights", required=False),
}
DUPLICATE = "A course with this code already exists"


@bp.get("")
def list_courses() -> dict[str, Any]:
    return paginated(select(Course).order_by(Course.code))


@bp.post("")
def create_course() -> tuple[dict[str, Any], int]:
    course = Course(**parse(FIELDS))
    db.session.add(course)
    return saved(course, DUPLICATE), 201


@bp.get("/<int:course_id>")
def get_course(course_id: int) -> dict[str, Any]:
    return get_or_404(Course, course_id).to_dict()


@bp.patch("/<int:course_id>")
def update_course(course_id: int) -> dict[str, Any]:
    # Locked: an assignment created meanwhile (which locks the course too) is either seen by
    # the category check below or checked against the new weights.
    course = locked_or_404(Course, course_id)
    check_if_match(course)
    data = parse(FIELDS, partial=True)
    weights = data.get("category_weights")
    if weights:
        used = set(
            db.session.scalars(select(Assignment.category).where(Assignment.course == course))
        )
        missing = sorted(used - set(weights))
        if missing:
            raise ApiError(
                409, "conflict", f"Assignments still use categories without a weight: {missing}"
            )
    for name, value in data.items():
        setattr(course, name, value)
    body = saved(course, DUPLICATE)
    invalidate_course(course_id)
    return body


@bp.delete("/<int:course_id>")
def delete_course(course_id: int) -> tuple[str, int]:
    course = locked_or_404(Course, course_id)
    check_if_match(course)
    db.session.delete(course)
    db.session.commit()
    invalidate_course(course_id)
    return "", 204
