"""Assignment pages: add an assignment to a course, delete one after a confirmation. The
API's rules decide what is valid (``api.assignments``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from ..api import assignments
from ..api.writes import created
from ..db import db, locked
from ..errors import ApiError
from ..models import Assignment, Course, get_by_id
from ..ownership import course_or_404
from ..web import login_required
from .checks import show, submitted
from .confirm import Confirmation, confirmed_delete
from .forms import AssignmentForm

bp = Blueprint("assignment_pages", __name__, url_prefix="/courses/<int:course_id>/assignments")


def assignment_or_404(course: Course, assignment_id: int) -> Assignment:
    """The assignment of ``course`` (already the teacher's) with ``assignment_id``, or a 404."""
    assignment = get_by_id(Assignment, assignment_id)
    if assignment is None or assignment.course_id != course.id:
        abort(404)
    return assignment


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_assignment(course_id: int) -> str | Response:
    course = course_or_404(course_id)
    form = AssignmentForm()
    data = submitted(
        form,
        assignments.UPDATABLE,
        lambda: {
            "title": form.title.data,
            "category": form.category.data,
            "max_points": form.max_points.data,
        },
    )
    if data is not None:
        # Locked as the API locks it: a change of the weights meanwhile waits, or is read here.
        course = locked(Course, course.id) or abort(404)
        try:
            assignments.check_category(course, data["category"])
        except ApiError as exc:
            db.session.rollback()
            show(form, exc)
        else:
            created(Assignment(course=course, **data))
            flash(f"Added {data['title']}.")
            return redirect(url_for("web.gradebook", course_id=course_id))
    return render_template(
        "pages/assignment_form.html",
        form=form,
        course=course,
        categories=sorted(course.category_weights or {}),
    )


@bp.route("/<int:assignment_id>/delete", methods=["GET", "POST"])
@login_required
def delete_assignment(course_id: int, assignment_id: int) -> str | Response:
    course = course_or_404(course_id)
    assignment = assignment_or_404(course, assignment_id)
    gradebook = url_for("web.gradebook", course_id=course_id)
    return confirmed_delete(
        assignment,
        lambda row: [row.course_id],
        lambda: Confirmation(
            heading=f"Delete {assignment.title} from {course.code}?",
            consequences=[
                f"Its {len(assignment.grades)} grade(s) are deleted with it, and the averages "
                "are computed without it.",
                "This cannot be undone.",
            ],
            button="Delete assignment",
            cancel=gradebook,
        ),
        done=f"Deleted {assignment.title} and its grades.",
        then=gradebook,
    )
