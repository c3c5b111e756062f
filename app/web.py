"""Server-rendered pages: course list, gradebook, student report, and their forms, all behind a
sign-in.

Forms post with a CSRF token (Flask-WTF). Signing in means pasting an API token, so the pages
need the same credential as the API: any token can read, a ``write`` token can post the forms.
The session holds a random sign-in id whose hash is stored (``SignIn``); signing out deletes the
row, so a copied session cookie stops working on every instance, cookie sessions included.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from markupsafe import Markup
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from . import grading, reports
from .db import db, locked
from .errors import refused_by
from .forms import GradeForm, LoginForm, StudentForm
from .limits import write_limit
from .models import WRITE, Assignment, Course, Enrollment, Grade, SignIn, Student, get_by_id
from .security import find_token, hash_token

log = logging.getLogger(__name__)
bp = Blueprint("web", __name__)
write_limit(bp)
SESSION_KEY = "sign_in"


@bp.before_request
def load_signed_in_token() -> None:
    sign_in_id = session.get(SESSION_KEY)
    row = None
    if isinstance(sign_in_id, str):
        row = db.session.scalar(
            select(SignIn).where(
                SignIn.session_hash == hash_token(sign_in_id), SignIn.created_at > _oldest()
            )
        )
    g.api_token = row.token if row is not None and not row.token.expired() else None
    g.signed_in = g.api_token is not None
    g.can_write = g.signed_in and g.api_token.allows(WRITE)


def _oldest() -> datetime:
    """Sign-ins older than the session lifetime are over, whatever the cookie says."""
    return datetime.now(UTC) - current_app.permanent_session_lifetime


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send visitors who have not signed in to the login page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not g.signed_in:
            return redirect(url_for("web.login"))
        return view(*args, **kwargs)

    return wrapped


def write_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in with a ``write`` token; a read-only sign-in gets 403."""

    @login_required
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not g.can_write:
            abort(403, "This token is read-only.")
        return view(*args, **kwargs)

    return wrapped


@bp.get("/")
@login_required
def index() -> str:
    courses = db.session.scalars(select(Course).order_by(Course.code)).all()
    students = db.session.scalars(select(Student).order_by(Student.name)).all()
    return render_template("index.html", courses=courses, students=students, form=StudentForm())


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        api_token = find_token(form.token.data or "")
        if api_token is not None:
            sign_in_id = secrets.token_urlsafe(32)
            # Sessions that ended without a sign-out leave rows behind: prune them here.
            db.session.execute(delete(SignIn).where(SignIn.created_at <= _oldest()))
            db.session.add(SignIn(session_hash=hash_token(sign_in_id), token=api_token))
            db.session.commit()
            session.clear()
            session[SESSION_KEY] = sign_in_id
            return redirect(url_for("web.index"))
        flash("Unknown token.")
    return render_template("login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    sign_in_id = session.get(SESSION_KEY)
    if isinstance(sign_in_id, str):
        db.session.execute(delete(SignIn).where(SignIn.session_hash == hash_token(sign_in_id)))
        db.session.commit()
    session.clear()
    return redirect(url_for("web.index"))


@bp.post("/students")
@write_required
def add_student() -> str | Response:
    form = StudentForm()
    if not form.validate_on_submit():
        flash("Check the student's name and email.")
        return redirect(url_for("web.index"))
    student = Student(name=form.name.data, email=form.email.data)
    duplicate = select(Student.id).where(Student.email_key == student.email_key)
    if db.session.scalar(duplicate) is None:
        db.session.add(student)
        try:
            db.session.flush()
            student_id = student.id
            db.session.commit()
        except IntegrityError as exc:
            # The same email submitted at the same moment: the UNIQUE index decides. Logged by
            # constraint, never with the name and email the statement carried.
            db.session.rollback()
            log.info("add student refused: %s", refused_by(exc))
        else:
            flash(f"Added {form.name.data}.")
            return redirect(url_for("web.student_report", student_id=student_id))
    flash("A student with this email already exists.")
    return redirect(url_for("web.index"))


def _course_or_404(course_id: int) -> Course:
    course = get_by_id(Course, course_id)
    if course is None:
        abort(404)
    return course


def _grade_form(course: Course, students: list[tuple[int, str]] | None = None) -> GradeForm:
    form = GradeForm()
    form.student_id.choices = reports.roster(course) if students is None else students
    form.assignment_id.choices = [(a.id, a.title) for a in course.assignments]
    return form


@bp.get("/courses/<int:course_id>")
@login_required
def gradebook(course_id: int) -> str:
    course = _course_or_404(course_id)
    assignments = course.assignments
    scores = reports.course_scores(course)
    # The same scores rebuild the summary when its cache is stale: one read of the grades.
    summary = reports.course_summary(course, scores)
    # Each row's score cells rendered here, as one string: a Jinja loop iteration and an
    # escape per cell were most of a 300 x 20 page's time. Scores are numbers and "-", which
    # need no escaping; the names and titles around them stay in the template.
    cells = {
        row["student_id"]: Markup(
            "".join(f"<td>{scores.get((row['student_id'], a.id), '-')}</td>" for a in assignments)
        )
        for row in summary["students"]
    }
    roster = [(row["student_id"], row["name"]) for row in summary["students"]]
    return render_template(
        "gradebook.html",
        course=course,
        summary=summary,
        cells=cells,
        form=_grade_form(course, roster),
    )


@bp.post("/courses/<int:course_id>/grades")
@write_required
def record_grade(course_id: int) -> Response:
    """Create or replace one student's score on one assignment of this course."""
    form = _grade_form(_course_or_404(course_id))
    if not form.validate_on_submit():
        flash("Pick an enrolled student, an assignment and a score of at least 0.")
        return redirect(url_for("web.gradebook", course_id=course_id))
    try:
        _save_grade(form.student_id.data, form.assignment_id.data, float(form.score.data or 0))
    except ValueError as exc:
        flash(f"Not saved: {exc}.")
        return redirect(url_for("web.gradebook", course_id=course_id))
    reports.invalidate_course(course_id)
    flash("Grade saved.")
    return redirect(url_for("web.gradebook", course_id=course_id))


def _save_grade(student_id: int | None, assignment_id: int | None, score: float) -> None:
    """Insert or update the grade, checking the score against the assignment locked for the
    write (``db.locked``); ValueError says why a score is refused. Every grade writer takes
    that lock first, so a double-clicked Save waits for the first and then updates its row."""
    assignment = locked(Assignment, assignment_id or 0)
    if assignment is None:
        raise ValueError("the assignment was deleted")
    grading.validate_score(score, assignment.max_points)
    grade = db.session.scalar(
        select(Grade).where(Grade.student_id == student_id, Grade.assignment_id == assignment_id)
    )
    if grade is None:
        grade = Grade(student_id=student_id, assignment=assignment, score=score)
        db.session.add(grade)
    grade.score = score
    db.session.commit()


@bp.get("/students/<int:student_id>")
@login_required
def student_report(student_id: int) -> str:
    student = get_by_id(Student, student_id)
    if student is None:
        abort(404)
    enrollments = db.session.scalars(
        select(Enrollment).where(Enrollment.student_id == student_id)
    ).all()
    details = {e.course_id: reports.student_in_course(e.course, student) for e in enrollments}
    return render_template(
        "student.html", student=student, gpa=reports.student_gpa(student), details=details
    )
