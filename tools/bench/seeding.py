"""A class of realistic size, inserted in bulk: the statement-count test and the benchmark share it.

Deterministic: student ``i`` scores the same on every run, one grade in seven is missing (an
ungraded submission), and the course is weighted so every report path (categories,
renormalisation, letters) does real work.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select

from app.db import db
from app.keys import identity_key
from app.models import Assignment, Course, Enrollment, Grade, Student, Teacher
from app.passwords import hash_password

# The teacher who owns the seeded courses; the bench signs in to the pages as them.
TEACHER = "bench@example.com"
PASSWORD = "bench-password-not-secret"  # pragma: allowlist secret

CATEGORIES = ("homework", "quizzes", "exams")
WEIGHTS = {"homework": 30, "quizzes": 20, "exams": 50}


@dataclass(frozen=True)
class SeededCourse:
    """Ids of one seeded course: the benchmark builds its URLs from these."""

    course_id: int
    student_ids: list[int]
    assignment_ids: list[int]


def _score(student: int, assignment: int, max_points: float) -> float | None:
    if (student + assignment) % 7 == 0:
        return None
    return round(max_points * (0.45 + ((student * 37 + assignment * 11) % 56) / 100), 1)


def seed_teacher() -> int:
    """Store the teacher ``TEACHER`` (signing in with ``PASSWORD``); their id. Needs an app
    context."""
    teacher = Teacher(email=TEACHER, password_hash=hash_password(PASSWORD))
    db.session.add(teacher)
    db.session.flush()
    return teacher.id


def seed_course(code: str, students: int, teacher_id: int, assignments: int = 20) -> SeededCourse:
    """Insert a course with ``students`` enrolled students and ``assignments`` graded ones.

    Needs an app context; rows go in with one multi-row INSERT per table, so a 1000-student
    class takes a second, not minutes of ORM flushes (which is why the email keys, set by the
    model on an ORM write, are set here).
    """
    course = Course(
        code=code, name=f"Course {code}", credits=4, category_weights=WEIGHTS, teacher_id=teacher_id
    )
    db.session.add(course)
    db.session.flush()
    db.session.execute(
        insert(Student),
        [
            {
                "name": f"{code} Student {i:04d}",
                "email": email,
                "email_key": identity_key(email),
                "teacher_id": teacher_id,
            }
            for i in range(students)
            if (email := f"s{i}@{code.lower()}.example")
        ],
    )
    student_ids = list(
        db.session.scalars(
            select(Student.id)
            .where(Student.email.like(f"%@{code.lower()}.example"))
            .order_by(Student.id)
        )
    )
    db.session.execute(
        insert(Assignment),
        [
            {
                "course_id": course.id,
                "title": f"{CATEGORIES[a % 3].title()} {a + 1}",
                "category": CATEGORIES[a % 3],
                "max_points": 10.0 * (1 + a % 3),
            }
            for a in range(assignments)
        ],
    )
    assignment_rows = db.session.execute(
        select(Assignment.id, Assignment.max_points)
        .where(Assignment.course_id == course.id)
        .order_by(Assignment.id)
    ).all()
    db.session.execute(
        insert(Enrollment), [{"student_id": s, "course_id": course.id} for s in student_ids]
    )
    grades = [
        {"student_id": s, "assignment_id": a, "course_id": course.id, "score": score}
        for i, s in enumerate(student_ids)
        for j, (a, max_points) in enumerate(assignment_rows)
        if (score := _score(i, j, max_points)) is not None
    ]
    if grades:
        db.session.execute(insert(Grade), grades)
    db.session.commit()
    return SeededCourse(course.id, student_ids, [a for a, _ in assignment_rows])
