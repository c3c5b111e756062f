"""Tables: teachers, courses, students, enrollments, assignments, grades, API tokens, web
sign-ins and the health check's write probe.

Every course and every student belongs to one teacher (``teacher_id``); assignments,
enrollments and grades belong to their course's teacher. Codes and emails are unique per
teacher, so a second teacher's "this code exists" never reveals the first one's courses.
``app.ownership`` narrows every lookup to the signed-in teacher's rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship, validates

from .db import db
from .keys import identity_key

# Stored with the zone (timestamptz on PostgreSQL); values are always UTC.
Timestamp = DateTime(timezone=True)
# Primary keys are PostgreSQL ``integer``: a larger number names no row. Past 2**63 the driver
# fails (SQLite raises OverflowError) instead of finding nothing, so such ids never reach it.
MAX_ID = 2**31 - 1
M = TypeVar("M")


def get_by_id(model: type[M], object_id: int) -> M | None:
    """The row of ``model`` with ``object_id``, or None; ids outside 1..MAX_ID find nothing."""
    if not 1 <= object_id <= MAX_ID:
        return None
    return db.session.get(model, object_id)


def _parent_id(table: str, sort_order: int = 0) -> Any:
    """A column holding the id of a row of ``table``, whose delete deletes this row too."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete="CASCADE"), sort_order=sort_order)


def _owned(back_populates: str) -> Any:
    """The rows that belong to this one: deleted with it, by the database's ON DELETE CASCADE
    (``passive_deletes``), never loaded just to be deleted."""
    return relationship(
        back_populates=back_populates, cascade="all, delete-orphan", passive_deletes=True
    )


def _keyed(name: str) -> Any:
    """A validator that keeps ``<name>_key`` the ``keys.identity_key`` of ``name``."""

    def set_key(obj: Any, _name: str, value: str) -> str:
        setattr(obj, f"{name}_key", identity_key(value))
        return value

    return validates(name)(set_key)


def _now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """``value`` with its zone: SQLite hands timestamps back without it; they were UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Rendered:
    """A row the API answers as a JSON object: the columns named in ``API_FIELDS``, timestamps
    in ISO 8601 with their zone."""

    API_FIELDS: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        found = {name: getattr(self, name) for name in self.API_FIELDS}
        return {
            name: aware(value).isoformat() if isinstance(value, datetime) else value
            for name, value in found.items()
        }


# The teacher who owns what was made before there were teachers (the migration of data from
# then, or a token made with no teacher to act for): no password until create-teacher sets one.
PLACEHOLDER_OWNER = "owner@migrated.invalid"


class Teacher(db.Model):
    """A user: signs in to the pages with email and password (``app.passwords``), owns courses,
    students and API tokens. ``password_hash`` None means the account cannot sign in until
    ``create-teacher`` sets a password (the migrated owner of data from before teachers)."""

    __tablename__ = "teachers"
    __table_args__ = (Index("uq_teachers_email_key", "email_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=_now)

    _set_email_key = _keyed("email")


class TeacherOwned(Rendered):
    """A row of one teacher's: a course or a student (its columns first, as the migration
    made them)."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)

    @declared_attr
    def teacher_id(cls) -> Mapped[int]:
        return _parent_id("teachers", sort_order=-1)


def _unique_per_teacher(table: str, key: str) -> Index:
    """``key`` (a ``keys.identity_key``) unique among one teacher's rows of ``table``. An index,
    not a constraint, so that the migration adds it to SQLite without rebuilding a table others
    reference with ON DELETE CASCADE."""
    return Index(f"uq_{table}_teacher_id_{key}", "teacher_id", key, unique=True)


class Course(TeacherOwned, db.Model):
    __tablename__ = "courses"
    API_FIELDS = ("id", "code", "name", "credits", "category_weights")
    # "CS-101" and its full-width twin are one course of a teacher.
    __table_args__ = (_unique_per_teacher("courses", "code_key"),)

    code: Mapped[str] = mapped_column(String(20))
    code_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    credits: Mapped[float] = mapped_column(default=3.0)
    # {"homework": 40, "exams": 60}; empty means every assignment counts by points alone.
    category_weights: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)

    assignments: Mapped[list[Assignment]] = _owned("course")
    enrollments: Mapped[list[Enrollment]] = _owned("course")

    _set_code_key = _keyed("code")


class Student(TeacherOwned, db.Model):
    __tablename__ = "students"
    API_FIELDS = ("id", "name", "email")
    # amy@x.edu, AMY@X.EDU and amy@x.edu with a zero-width space are one student of a teacher.
    __table_args__ = (_unique_per_teacher("students", "email_key"),)

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(64))

    enrollments: Mapped[list[Enrollment]] = _owned("student")
    grades: Mapped[list[Grade]] = _owned("student")

    _set_email_key = _keyed("email")


class Enrollment(Rendered, db.Model):
    __tablename__ = "enrollments"
    API_FIELDS = ("id", "student_id", "course_id", "enrolled_at")
    __table_args__ = (UniqueConstraint("student_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _parent_id("students")
    course_id: Mapped[int] = _parent_id("courses")
    enrolled_at: Mapped[datetime] = mapped_column(Timestamp, default=_now)

    student: Mapped[Student] = relationship(back_populates="enrollments")
    course: Mapped[Course] = relationship(back_populates="enrollments")


def is_enrolled(student_id: int, course_id: int) -> bool:
    """Whether the student is enrolled in the course (one indexed lookup)."""
    enrollment = db.session.scalar(
        select(Enrollment.id).where(
            Enrollment.student_id == student_id, Enrollment.course_id == course_id
        )
    )
    return enrollment is not None


class Assignment(Rendered, db.Model):
    __tablename__ = "assignments"
    API_FIELDS = ("id", "course_id", "title", "category", "max_points")
    # The parent key of the grades' (assignment_id, course_id) foreign key.
    __table_args__ = (Index("uq_assignments_id_course_id", "id", "course_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = _parent_id("courses")
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50))
    max_points: Mapped[float]

    course: Mapped[Course] = relationship(back_populates="assignments")
    grades: Mapped[list[Grade]] = _owned("assignment")


class Grade(Rendered, db.Model):
    """A score. ``course_id`` is the assignment's course (the (assignment_id, course_id) key
    makes it so), and (student_id, course_id) must be an enrollment: the database itself holds
    no grade for a student who is not enrolled. Unenrolling deletes the student's grades in
    the course (ON DELETE CASCADE), as deleting the assignment, course or student does."""

    __tablename__ = "grades"
    API_FIELDS = ("id", "student_id", "assignment_id", "course_id", "score", "updated_at")
    __table_args__ = (
        UniqueConstraint("student_id", "assignment_id"),
        ForeignKeyConstraint(
            ["assignment_id", "course_id"],
            ["assignments.id", "assignments.course_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["student_id", "course_id"],
            ["enrollments.student_id", "enrollments.course_id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = _parent_id("students")
    assignment_id: Mapped[int]
    course_id: Mapped[int]
    score: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=_now, onupdate=_now)

    student: Mapped[Student] = relationship(back_populates="grades")
    assignment: Mapped[Assignment] = relationship(back_populates="grades")


READ = "read"
WRITE = "write"
SCOPES = (READ, WRITE)


class ApiToken(db.Model):
    """A bearer token of a teacher: looked up by its SHA-256 hash, kept Fernet-encrypted at rest.

    ``scope`` is ``read`` (GETs only, e.g. a dashboard) or ``write`` (everything; write
    implies read). ``expires_at`` None means the token never expires. What a request may do
    with it is checked on its ``tokens.Grant``, for pages and API alike.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The teacher the token acts for.
    teacher_id: Mapped[int] = _parent_id("teachers")
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=_now)
    scope: Mapped[str] = mapped_column(String(10), default=WRITE, server_default=WRITE)
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp, default=None)


class SignIn(db.Model):
    """One teacher's signed-in browser session, so that signing out revokes it on every
    instance.

    The session cookie carries a random id; only its SHA-256 is stored. Signing out (or deleting
    the teacher) deletes the row, and a cookie whose row is gone is signed out, even though its
    signature is still valid.
    """

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    teacher_id: Mapped[int] = _parent_id("teachers")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=_now)


class HealthProbe(db.Model):
    """Always empty: /health inserts a row and rolls it back to prove the database is writable."""

    __tablename__ = "health_probes"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(Timestamp)
