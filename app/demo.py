"""The demo teacher ``scripts/run-app`` offers on the embedded defaults (SQLite in instance/):
signed in with a password made at each start, owning a small graded course to look around in.
Never on a configured database: ``demo-teacher`` refuses anywhere else."""

from __future__ import annotations

import os
import secrets

import click
from flask import current_app
from flask.cli import with_appcontext

from . import passwords
from .db import db
from .models import Assignment, Course, Enrollment, Grade, Student, Teacher

EMAIL = "demo@example.com"
# name, email, scores of HW1 (of 20), HW2 (of 10), Midterm (of 100); None is ungraded.
STUDENTS = (
    ("Ada Lovelace", "ada@example.com", (18, 9, 80)),
    ("Alan Turing", "alan@example.com", (20, 8, 92)),
    ("Grace Hopper", "grace@example.com", (15, 10, None)),
)


def embedded_database() -> str:
    """The URL of the database the app uses when DATABASE_URL is not set."""
    return "sqlite:///" + os.path.join(current_app.instance_path, "gradetracker.sqlite")


def add_sample_course(teacher: Teacher) -> None:
    """A course weighted homework 40 / exams 60, three students, three assignments, grades."""
    course = Course(
        teacher_id=teacher.id,
        code="DEMO101",
        name="Demo: Calculus",
        credits=4,
        category_weights={"homework": 40, "exams": 60},
    )
    assignments = [
        Assignment(course=course, title="HW1", category="homework", max_points=20),
        Assignment(course=course, title="HW2", category="homework", max_points=10),
        Assignment(course=course, title="Midterm", category="exams", max_points=100),
    ]
    db.session.add_all([course, *assignments])
    for name, email, scores in STUDENTS:
        student = Student(name=name, email=email, teacher_id=teacher.id)
        db.session.add_all([student, Enrollment(student=student, course=course)])
        db.session.flush()
        for assignment, score in zip(assignments, scores, strict=True):
            if score is not None:
                db.session.add(Grade(student=student, assignment=assignment, score=score))


@click.command("demo-teacher")
@with_appcontext
def demo_teacher_command() -> None:
    """On the embedded SQLite database only: give the demo teacher a new password (made and
    created with a sample course on first use) and print how to sign in."""
    if current_app.config["SQLALCHEMY_DATABASE_URI"] != embedded_database():
        raise click.ClickException(
            "the demo teacher is for the embedded SQLite database only (DATABASE_URL is set): "
            "use 'flask --app app create-teacher EMAIL'"
        )
    teacher = passwords.find_teacher(EMAIL)
    if teacher is None:
        teacher = Teacher(email=EMAIL)
        db.session.add(teacher)
        db.session.flush()
        add_sample_course(teacher)
    password = secrets.token_urlsafe(12)
    teacher.password_hash = passwords.hash_password(password)
    db.session.commit()
    click.echo(f"Sign in as {EMAIL} with password {password} (a demo teacher with a sample")
    click.echo("course; a new password each start). Your own: flask --app app create-teacher EMAIL")
