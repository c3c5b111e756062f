"""Server-rendered pages: course list, gradebook, student report, and their forms, all behind a
teacher's sign-in, each showing that teacher's rows only (``app.ownership``).

Forms post with a CSRF token (Flask-WTF). Teachers sign in with email and password
(``app.passwords``; the form posts get the write rate limit). The session holds a random sign-in
id whose hash is stored (``SignIn``); signing out deletes the row, so a copied session cookie
stops working on every instance, cookie sessions included.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from . import blueprints, grading, limits, passwords, report_cache, report_queries
from .auth import load_sign_in, sign_in, sign_out
from .db import db, locked
from .errors import refused_by
from .forms import GradeForm, LoginForm, StudentForm
from .models import Assignment, Course, Enrollment, Grade, Student
from .ownership import course_or_404, courses_query, current_teacher_id, owned, student_or_404

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)
bp = Blueprint("web", __name__)


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send visitors who have not signed in to the login page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.grant is None:
            return redirect(url_for("web.login"))
        return view(*args, **kwargs)

    return wrapped


@bp.get("/")
@login_required
def index() -> str:
    courses = db.session.scalars(courses_query().order_by(Course.code)).all()
    students = db.session.scalars(owned(Student).order_by(Student.name)).all()
    return render_template("index.html", courses=courses, students=students, form=StudentForm())


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        teacher = passwords.authenticate(form.email.data or "", form.password.data or "")
        if teacher is not None:
            sign_in(teacher)
            return redirect(url_for("web.index"))
        # One message whatever was wrong: it must not tell which emails have accounts.
        flash("Wrong email or password.")
    return render_template("login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    sign_out()
    return redirect(url_for("web.index"))


@bp.post("/students")
@login_required
def add_student() -> str | Response:
    form = StudentForm()
    if not form.validate_on_submit():
        flash("Check the student's name and email.")
        return redirect(url_for("web.index"))
    teacher_id = current_teacher_id()
    student = Student(name=form.name.data, email=form.email.data, teacher_id=teacher_id)
    duplicate = select(Student.id).where(
        Student.teacher_id == teacher_id, Student.email_key == student.email_key
    )
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


def _grade_form(course: Course, students: list[tuple[int, str]] | None = None) -> GradeForm:
    form = GradeForm()
    form.student_id.choices = report_queries.roster(course) if students is None else students
    form.assignment_id.choices = [(a.id, a.title) for a in course.assignments]
    return form


@bp.get("/courses/<int:course_id>")
@login_required
def gradebook(course_id: int) -> str:
    course = course_or_404(course_id)
    assignments = course.assignments
    scores = report_queries.course_scores(course)
    # The same scores rebuild the summary when its cache is stale: one read of the grades.
    summary = report_cache.course_summary(course, scores)
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
@login_required
def record_grade(course_id: int) -> Response:
    """Create or replace one student's score on one assignment of this course."""
    form = _grade_form(course_or_404(course_id))
    if not form.validate_on_submit():
        flash("Pick an enrolled student, an assignment and a score of at least 0.")
        return redirect(url_for("web.gradebook", course_id=course_id))
    try:
        _save_grade(form.student_id.data, form.assignment_id.data, float(form.score.data or 0))
    except ValueError as exc:
        flash(f"Not saved: {exc}.")
        return redirect(url_for("web.gradebook", course_id=course_id))
    report_cache.invalidate_course(course_id)
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
    student = student_or_404(student_id)
    enrollments = db.session.scalars(
        owned(Enrollment).where(Enrollment.student_id == student_id)
    ).all()
    details = {e.course_id: report_cache.student_in_course(e.course, student) for e in enrollments}
    return render_template(
        "student.html", student=student, gpa=report_cache.student_gpa(student), details=details
    )


def init_app(app: Flask) -> None:
    """Register the pages on ``app``: each request loads its sign-in first; the forms' posts
    get the write limit."""
    blueprints.register(app, bp, before_request=[load_sign_in])
    limits.write_limit(app, bp)
