"""The course's students: enroll one from the teacher's other courses or a new one, and
unenroll one after a confirmation (their grades in the course go with the enrollment)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from .. import report_queries
from ..api import enrollments, students
from ..api.writes import created
from ..db import db
from ..errors import ApiError
from ..models import Course, Enrollment, Grade, Student
from ..ownership import course_or_404, current_teacher_id, owned, student_or_404
from ..web import login_required
from .checks import show, submitted
from .confirm import Confirmation, confirmed_delete
from .forms import EnrollForm, NewStudentForm

bp = Blueprint("roster_pages", __name__, url_prefix="/courses/<int:course_id>/students")


def _enroll_form(course: Course) -> EnrollForm:
    """Its choices: the teacher's students who are not in ``course`` yet."""
    taking = select(Enrollment.student_id).where(Enrollment.course_id == course.id)
    rows = db.session.execute(
        owned(Student).with_only_columns(Student.id, Student.name).where(Student.id.not_in(taking))
    )
    form = EnrollForm()
    # Sorted here, as report_queries.roster sorts: the same order on PostgreSQL and SQLite.
    form.student_id.choices = sorted(((sid, name) for sid, name in rows), key=lambda row: row[1])
    return form


def _page(course: Course, enroll: FlaskForm | None = None, new: FlaskForm | None = None) -> str:
    return render_template(
        "pages/roster.html",
        course=course,
        roster=report_queries.roster(course),
        enroll=enroll or _enroll_form(course),
        new=new or NewStudentForm(formdata=None),
    )


@bp.get("")
@login_required
def roster(course_id: int) -> str:
    return _page(course_or_404(course_id))


@bp.post("/enroll")
@login_required
def enroll(course_id: int) -> str | Response:
    course = course_or_404(course_id)
    form = _enroll_form(course)
    if form.validate_on_submit():
        student = student_or_404(form.student_id.data or 0)
        done = _enrolled(form, "student_id", course, student, enrollments.DUPLICATE)
        if done is not None:
            return done
    return _page(course, enroll=form)


@bp.post("/new")
@login_required
def add_student(course_id: int) -> str | Response:
    course = course_or_404(course_id)
    form = NewStudentForm()
    data = submitted(
        form, students.FIELDS, lambda: {"name": form.name.data, "email": form.email.data}
    )
    if data is not None:
        # One commit: a refused student leaves no enrollment behind, and the reverse.
        done = _enrolled(
            form,
            "email",
            course,
            Student(**data, teacher_id=current_teacher_id()),
            students.DUPLICATE,
        )
        if done is not None:
            return done
    return _page(course, new=form)


def _enrolled(
    form: FlaskForm, field: str, course: Course, student: Student, duplicate: str
) -> Response | None:
    """Enroll ``student`` and go back to the roster; None, with the refusal (``duplicate``
    when the row exists) shown by ``field``, when it is refused."""
    name, course_id = student.name, course.id
    try:
        created(Enrollment(student=student, course=course), duplicate)
    except ApiError as exc:
        show(form, exc, field)
        return None
    flash(f"Enrolled {name}.")
    return redirect(url_for("roster_pages.roster", course_id=course_id))


@bp.route("/<int:student_id>/unenroll", methods=["GET", "POST"])
@login_required
def unenroll(course_id: int, student_id: int) -> str | Response:
    course = course_or_404(course_id)
    student = student_or_404(student_id)
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.course_id == course.id, Enrollment.student_id == student.id
        )
    )
    if enrollment is None:
        abort(404)
    roster_page = url_for("roster_pages.roster", course_id=course_id)
    return confirmed_delete(
        enrollment,
        lambda row: [row.course_id],
        lambda: _unenrolling(course, student, roster_page),
        done=f"Unenrolled {student.name}.",
        then=roster_page,
    )


def _unenrolling(course: Course, student: Student, cancel: str) -> Confirmation:
    grades = db.session.scalar(
        select(func.count()).where(Grade.course_id == course.id, Grade.student_id == student.id)
    )
    return Confirmation(
        heading=f"Unenroll {student.name} from {course.code}?",
        consequences=[
            f"Their {grades} grade(s) in {course.code} are deleted with the enrollment.",
            "Enrolling them again starts without grades.",
        ],
        button="Unenroll",
        cancel=cancel,
    )
