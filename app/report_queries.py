"""The SQL behind the reports: each reads what it needs in one statement, whatever the class
size (``tests/unit/app/test_query_counts.py`` counts them)."""

from __future__ import annotations

from sqlalchemy import select

from .db import db
from .models import Assignment, Course, Enrollment, Grade, Student

Scores = dict[tuple[int, int], float]


def course_scores(course: Course, student_ids: list[int] | None = None) -> Scores:
    """``(student_id, assignment_id) -> score`` for ``course``, in one statement.

    Plain tuples through the Core connection: 6000 cells as ORM rows (or ``Grade`` objects)
    were most of a 300-student gradebook's time.
    """
    statement = (
        select(Grade.student_id, Grade.assignment_id, Grade.score)
        .join(Assignment)
        .where(Assignment.course_id == course.id)
    )
    if student_ids is not None:
        statement = statement.where(Grade.student_id.in_(student_ids))
    rows = db.session.connection().execute(statement)
    return {(student_id, assignment_id): score for student_id, assignment_id, score in rows}


def roster(course: Course) -> list[tuple[int, str]]:
    """``(student_id, name)`` of the enrolled students by name, in one query."""
    rows = db.session.execute(
        select(Student.id, Student.name)
        .join(Enrollment)
        .where(Enrollment.course_id == course.id)
        .order_by(Enrollment.id)
    )
    # Sorted here, not in SQL: PostgreSQL's collation and SQLite's byte order disagree on case
    # and accents, and the page must list students the same way on both.
    return sorted(((student_id, name) for student_id, name in rows), key=lambda row: row[1])


def courses_of(student: Student) -> list[Course]:
    """The courses of ``student``'s teacher the student is enrolled in, by code."""
    return list(
        db.session.scalars(
            select(Course)
            .join(Enrollment)
            .where(Enrollment.student_id == student.id, Course.teacher_id == student.teacher_id)
            .order_by(Course.code)
        )
    )
