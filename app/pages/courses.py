"""Course pages: create a course with its category weights, edit it, delete it after a
confirmation. The API's rules decide what is valid (``api.courses``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from ..api import courses
from ..api.writes import created, updated
from ..db import db, locked
from ..errors import ApiError
from ..models import Course, Grade
from ..ownership import course_or_404, current_teacher_id
from ..web import login_required
from .checks import show, submitted
from .confirm import Confirmation, confirmed_delete
from .forms import CourseForm

bp = Blueprint("course_pages", __name__, url_prefix="/courses")


def course_values(form: CourseForm) -> dict[str, Any]:
    """The form's data as the API's course fields: the filled weight rows as one mapping."""
    weights: dict[str, float | None] = {}
    for row in form.category_weights:
        name = (row.form.name.data or "").strip()
        if not name and row.form.weight.data is None and not row.form.weight.errors:
            continue
        if name in weights:
            form.category_weights.errors.append(f"Category {name!r} is listed twice.")
        weights[name] = row.form.weight.data
    return {
        "code": form.code.data,
        "name": form.name.data,
        "credits": form.credits.data,
        "category_weights": weights,
    }


def _form_for(course: Course) -> CourseForm:
    weights = [{"name": name, "weight": w} for name, w in (course.category_weights or {}).items()]
    return CourseForm(
        data={
            "code": course.code,
            "name": course.name,
            "credits": course.credits,
            "category_weights": weights,
        }
    )


def _render_form(form: CourseForm, course: Course | None) -> str:
    form.offer_spare_rows()
    return render_template("pages/course_form.html", form=form, course=course)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_course() -> str | Response:
    form = CourseForm()
    data = submitted(form, courses.FIELDS, lambda: course_values(form))
    if data is not None:
        try:
            body, _ = created(Course(**data, teacher_id=current_teacher_id()), courses.DUPLICATE)
        except ApiError as exc:
            show(form, exc, "code")
        else:
            flash(f"Created {body['code']}.")
            return redirect(url_for("web.gradebook", course_id=body["id"]))
    return _render_form(form, None)


@bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@login_required
def edit_course(course_id: int) -> str | Response:
    course = course_or_404(course_id)
    form = _form_for(course)
    data = submitted(form, courses.FIELDS, lambda: course_values(form))
    if data is not None:
        # Locked as the API's PATCH locks it: an assignment added meanwhile is either seen by
        # the category check or checked against the new weights.
        course = locked(Course, course.id) or abort(404)
        try:
            courses.check_weights_cover(course, data["category_weights"])
            updated(course, data, [course.id], courses.DUPLICATE)
        except ApiError as exc:
            db.session.rollback()
            show(form, exc, "code" if exc.message == courses.DUPLICATE else "category_weights")
        else:
            flash(f"Saved {data['code']}.")
            return redirect(url_for("web.gradebook", course_id=course_id))
    return _render_form(form, course)


@bp.route("/<int:course_id>/delete", methods=["GET", "POST"])
@login_required
def delete_course(course_id: int) -> str | Response:
    course = course_or_404(course_id)
    return confirmed_delete(
        course,
        lambda row: [row.id],
        lambda: _deleting(course),
        done=f"Deleted {course.code} with its assignments, enrollments and grades.",
        then=url_for("web.index"),
    )


def _deleting(course: Course) -> Confirmation:
    grades = db.session.scalar(select(func.count()).where(Grade.course_id == course.id))
    return Confirmation(
        heading=f"Delete {course.code}?",
        consequences=[
            f"{len(course.assignments)} assignment(s), {len(course.enrollments)} enrollment(s) "
            f"and {grades} grade(s) are deleted with it.",
            "This cannot be undone.",
        ],
        button="Delete course",
        cancel=url_for("web.gradebook", course_id=course.id),
    )
