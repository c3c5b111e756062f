"""One assignment's grade sheet: a score field per enrolled student, to record grades and to
correct them. A field left blank means not graded yet: clearing a score removes the grade."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import grading, report_queries
from ..db import db, locked
from ..models import Assignment, Grade
from ..ownership import course_or_404
from ..report_cache import invalidate_course
from ..web import login_required
from .assignments import assignment_or_404
from .checks import has_errors
from .forms import grade_sheet, score_field

bp = Blueprint(
    "grade_pages",
    __name__,
    url_prefix="/courses/<int:course_id>/assignments/<int:assignment_id>/grades",
)


@bp.route("", methods=["GET", "POST"])
@login_required
def grade_sheet_page(course_id: int, assignment_id: int) -> str | Response:
    course = course_or_404(course_id)
    assignment = assignment_or_404(course, assignment_id)
    students = report_queries.roster(course)
    scores = {
        student_id: score
        for student_id, score in db.session.execute(
            select(Grade.student_id, Grade.score).where(Grade.assignment_id == assignment.id)
        )
    }
    form = grade_sheet(students, scores)
    if form.validate_on_submit():
        wanted = {student_id: form[score_field(student_id)].data for student_id, _ in students}
        changed = _save(form, assignment.id, wanted)
        if changed is not None:
            flash(f"{assignment.title}: {changed} grade(s) changed.")
            return redirect(url_for("web.gradebook", course_id=course_id))
    return render_template(
        "pages/grade_sheet.html", form=form, course=course, assignment=assignment
    )


def _save(form: FlaskForm, assignment_id: int, wanted: dict[int, float | None]) -> int | None:
    """Store ``wanted`` (student id -> score, None for no grade) and return how many grades
    changed; None, with each refused score on its field, when any is out of range.

    Checked against the assignment locked for the write (``db.locked``), as every grade writer
    does, so a concurrent change of its max points waits for these grades or is read here."""
    assignment = locked(Assignment, assignment_id) or abort(404)
    for student_id, score in wanted.items():
        if score is None:
            continue
        try:
            grading.validate_score(score, assignment.max_points)
        except ValueError as exc:
            form[score_field(student_id)].errors = [f"{str(exc).capitalize()}."]
    if has_errors(form):
        db.session.rollback()
        return None
    existing = {
        grade.student_id: grade
        for grade in db.session.scalars(select(Grade).where(Grade.assignment_id == assignment_id))
    }
    changed = 0
    for student_id, score in wanted.items():
        grade = existing.get(student_id)
        if grade is None and score is not None:
            db.session.add(Grade(student_id=student_id, assignment=assignment, score=score))
        elif grade is not None and score is None:
            db.session.delete(grade)
        elif grade is not None and grade.score != score:
            grade.score = score
        else:
            continue
        changed += 1
    db.session.commit()
    invalidate_course(assignment.course_id)
    return changed
