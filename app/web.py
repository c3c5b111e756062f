"""Server-rendered pages: course list, gradebook, student report, and their forms, all behind a
sign-in.

Forms post with a CSRF token (Flask-WTF). Signing in means pasting an API token, so the pages
need the same credential as the API: any token can read, a ``write`` token can post the forms.
The session holds a random sign-in id whose hash is stored (``SignIn``); signing out deletes the
row, so a copied session cookie stops working on every instance, cookie sessions included.
"""

from __future__ import annotations

import functools
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
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from . import grading, reports
from .db import db
from .forms import GradeForm, LoginForm, StudentForm
from .limits import write_limit
from .models import WRITE, Assignment, Course, Enrollment, Grade, SignIn, Student, get_by_id
from .security import find_token, hash_token

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
    if db.session.scalar(select(Student).where(Student.email == form.email.data)) is not None:
        flash("A student with this email already exists.")
        return redirect(url_for("web.index"))
    student = Student(name=form.name.data, email=form.email.data)
    db.session.add(student)
    db.session.commit()
    flash(f"Added {student.name}.")
    return redirect(url_for("web.student_report", student_id=student.id))


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
    # Plain tuples, not Grade objects: a 300 x 20 class has 6000 cells, and building an ORM
    # object per cell was most of the page's time.
    scores = dict(
        ((student_id, assignment_id), score)
        for student_id, assignment_id, score in db.session.execute(
            select(Grade.student_id, Grade.assignment_id, Grade.score)
            .join(Assignment)
            .where(Assignment.course_id == course.id)
        )
    )
    summary = reports.course_summary(course)
    # Cells formatted here: one Jinja loop iteration per cell costs far more than a join.
    cells = {
        row["student_id"]: [scores.get((row["student_id"], a.id), "-") for a in assignments]
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
    course = _course_or_404(course_id)
    form = _grade_form(course)
    if not form.validate_on_submit():
        flash("Pick an enrolled student, an assignment and a score of at least 0.")
        return redirect(url_for("web.gradebook", course_id=course_id))
    assignment = next(a for a in course.assignments if a.id == form.assignment_id.data)
    score = float(form.score.data or 0)
    try:
        grading.validate_score(score, assignment.max_points)
    except ValueError as exc:
        flash(f"Not saved: {exc}.")
        return redirect(url_for("web.gradebook", course_id=course_id))
    _save_grade(form.student_id.data, assignment.id, score)
    reports.invalidate_course(course_id)
    flash("Grade saved.")
    return redirect(url_for("web.gradebook", course_id=course_id))


def _save_grade(student_id: int | None, assignment_id: int, score: float) -> None:
    """Insert or update the grade; a concurrent insert of the same pair (a double-clicked Save)
    loses the UNIQUE race, and the retry then finds that row and updates it."""
    for attempt in range(2):
        grade = db.session.scalar(
            select(Grade).where(
                Grade.student_id == student_id, Grade.assignment_id == assignment_id
            )
        )
        if grade is None:
            grade = Grade(student_id=student_id, assignment_id=assignment_id, score=score)
            db.session.add(grade)
        grade.score = score
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise


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
