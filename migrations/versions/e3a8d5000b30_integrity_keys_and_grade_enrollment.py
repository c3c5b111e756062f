"""uniqueness keys for emails and course codes; a grade's enrollment as a foreign key

Revision ID: e3a8d5000b30
Revises: 5c0d2e7a9f31
Create Date: 2026-12-07 16:00:00.000000

Refuses, changing nothing, when stored rows break the new constraints: two students whose
emails (or two courses whose codes) are equal once case, width and invisible characters are
ignored, or grades of students not enrolled in the course (left by the races of issue 22).
The message names the row ids (never an email) and what to do; nothing stored is lost.

SQLite: students and courses are referenced with ON DELETE CASCADE, and rebuilding a table
(Alembic's batch mode) drops it, which would delete those rows. So their key columns are
added in place (NOT NULL needs a default there: '' stays on SQLite, is dropped on PostgreSQL)
and made unique by an index; only grades, which nothing references, is rebuilt.
"""
from alembic import op
import click
import sqlalchemy as sa

from app.keys import identity_key


# revision identifiers, used by Alembic.
revision = 'e3a8d5000b30'  # pragma: allowlist secret
down_revision = '5c0d2e7a9f31'  # pragma: allowlist secret
branch_labels = None
depends_on = None

KEYS = (("students", "email", "email_key"), ("courses", "code", "code_key"))
ORPHAN_GRADES = sa.text(
    "SELECT g.id FROM grades g JOIN assignments a ON a.id = g.assignment_id"
    " WHERE NOT EXISTS (SELECT 1 FROM enrollments e"
    " WHERE e.student_id = g.student_id AND e.course_id = a.course_id) ORDER BY g.id"
)


def _refuse(problem):
    raise click.ClickException(
        f"Not migrated (nothing changed): {problem}; then run `flask db upgrade` again."
    )


def _keys(bind, table, column):
    rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table} ORDER BY id")).all()
    return {row_id: identity_key(value) for row_id, value in rows}


def _check_unique(bind, table, column):
    ids_by_key = {}
    for row_id, key in _keys(bind, table, column).items():
        ids_by_key.setdefault(key, []).append(row_id)
    clashes = [ids for ids in ids_by_key.values() if len(ids) > 1]
    if clashes:
        groups = "; ".join(" and ".join(map(str, ids)) for ids in clashes)
        _refuse(
            f"{table} with the same {column} once case, width and invisible characters are"
            f" ignored (ids {groups}): change or merge them"
        )


def _check_grades(bind):
    orphans = bind.execute(ORPHAN_GRADES).scalars().all()
    if orphans:
        _refuse(
            f"grades {', '.join(map(str, orphans))} belong to students not enrolled in the"
            " assignment's course: enroll the students again or delete those grades"
        )


def upgrade():
    bind = op.get_bind()
    for table, column, _key in KEYS:
        _check_unique(bind, table, column)
    _check_grades(bind)

    for table, column, key in KEYS:
        op.add_column(table, sa.Column(key, sa.String(length=64), nullable=False, server_default=""))
        statement = sa.text(f"UPDATE {table} SET {key} = :key WHERE id = :id")
        for row_id, value in _keys(bind, table, column).items():
            bind.execute(statement, {"key": value, "id": row_id})
        op.create_index(f"uq_{table}_{key}", table, [key], unique=True)
        if bind.dialect.name != "sqlite":
            op.alter_column(table, key, server_default=None)

    op.create_index("uq_assignments_id_course_id", "assignments", ["id", "course_id"], unique=True)
    op.add_column("grades", sa.Column("course_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE grades SET course_id ="
        " (SELECT course_id FROM assignments WHERE assignments.id = grades.assignment_id)"
    )
    with op.batch_alter_table("grades", schema=None) as batch_op:
        batch_op.alter_column("course_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("fk_grades_assignment_id_assignments", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_grades_assignment_id_assignments", "assignments",
            ["assignment_id", "course_id"], ["id", "course_id"], ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            "fk_grades_student_id_enrollments", "enrollments",
            ["student_id", "course_id"], ["student_id", "course_id"], ondelete="CASCADE",
        )


def downgrade():
    with op.batch_alter_table("grades", schema=None) as batch_op:
        batch_op.drop_constraint("fk_grades_student_id_enrollments", type_="foreignkey")
        batch_op.drop_constraint("fk_grades_assignment_id_assignments", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_grades_assignment_id_assignments", "assignments",
            ["assignment_id"], ["id"], ondelete="CASCADE",
        )
        batch_op.drop_column("course_id")
    op.drop_index("uq_assignments_id_course_id", table_name="assignments")
    for table, _column, key in KEYS:
        op.drop_index(f"uq_{table}_{key}", table_name=table)
        # In place on SQLite too (3.35+), for the reason in the docstring.
        op.execute(f"ALTER TABLE {table} DROP COLUMN {key}")
