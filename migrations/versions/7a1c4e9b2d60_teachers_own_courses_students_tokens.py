"""teachers: courses, students and API tokens belong to a teacher; sign-ins are a teacher's

Revision ID: 7a1c4e9b2d60
Revises: e3a8d5000b30
Create Date: 2026-12-07 23:00:00.000000

Existing courses, students and tokens get one clear owner: a teacher called
owner@migrated.invalid, created only when there is data to own. It has no password, so nobody
can sign in as it until `flask --app app create-teacher owner@migrated.invalid` sets one (its
tokens keep working for the API meanwhile). Codes and emails become unique per teacher. Page
sign-ins were made with tokens; they are dropped, so everyone signs in again, as a teacher.

SQLite rebuilds courses, students and api_tokens (batch mode) to drop their old UNIQUE
constraints: migrations/env.py turns foreign keys off while migrating, so dropping the old table
deletes nothing that references it.

The downgrade refuses, changing nothing, when more than one teacher owns data: going back to
one shared school would mix their records (and their codes and emails could collide).
"""
from datetime import UTC, datetime

from alembic import op
import click
import sqlalchemy as sa

from app.keys import identity_key


# revision identifiers, used by Alembic.
revision = '7a1c4e9b2d60'  # pragma: allowlist secret
down_revision = 'e3a8d5000b30'  # pragma: allowlist secret
branch_labels = None
depends_on = None

MIGRATED_OWNER = "owner@migrated.invalid"
OWNED = ("courses", "students", "api_tokens")
# table -> (its column unique per teacher now, globally before; that column's key)
UNIQUE_PER_TEACHER = {"courses": ("code", "code_key"), "students": ("email", "email_key")}


def _create_sign_ins(owner_table, owner_column):
    op.create_table('sign_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_hash', sa.String(length=64), nullable=False),
    sa.Column(owner_column, sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint([owner_column], [f'{owner_table}.id'], name=op.f(f'fk_sign_ins_{owner_column}_{owner_table}'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_ins')),
    sa.UniqueConstraint('session_hash', name=op.f('uq_sign_ins_session_hash'))
    )


def _migrated_owner(bind):
    """The id of the teacher who owns the existing data (None when there is none)."""
    if not any(bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() for table in OWNED):
        return None
    bind.execute(
        sa.text(
            "INSERT INTO teachers (email, email_key, password_hash, created_at)"
            " VALUES (:email, :key, NULL, :now)"
        ),
        {"email": MIGRATED_OWNER, "key": identity_key(MIGRATED_OWNER), "now": datetime.now(UTC)},
    )
    return bind.execute(
        sa.text("SELECT id FROM teachers WHERE email_key = :key"),
        {"key": identity_key(MIGRATED_OWNER)},
    ).scalar_one()


def upgrade():
    bind = op.get_bind()
    op.create_table('teachers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teachers'))
    )
    op.create_index('uq_teachers_email_key', 'teachers', ['email_key'], unique=True)
    owner = _migrated_owner(bind)

    for table in OWNED:
        op.add_column(table, sa.Column('teacher_id', sa.Integer(), nullable=True))
        bind.execute(sa.text(f"UPDATE {table} SET teacher_id = :owner"), {"owner": owner})
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('teacher_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(
                op.f(f'fk_{table}_teacher_id_teachers'), 'teachers', ['teacher_id'], ['id'],
                ondelete='CASCADE',
            )
            if table in UNIQUE_PER_TEACHER:
                column, key = UNIQUE_PER_TEACHER[table]
                batch_op.drop_constraint(f'uq_{table}_{column}', type_='unique')
                batch_op.drop_index(f'uq_{table}_{key}')
                batch_op.create_index(f'uq_{table}_teacher_id_{key}', ['teacher_id', key], unique=True)

    op.drop_table('sign_ins')
    _create_sign_ins('teachers', 'teacher_id')


def _refuse(problem):
    raise click.ClickException(f"Not downgraded (nothing changed): {problem}.")


def downgrade():
    bind = op.get_bind()
    owners = set()
    for table in OWNED:
        owners |= set(bind.execute(sa.text(f"SELECT DISTINCT teacher_id FROM {table}")).scalars())
    if len(owners) > 1:
        _refuse(
            f"{len(owners)} teachers own courses, students or tokens; before teachers there was"
            " one shared school: delete all but one teacher's data first"
        )

    op.drop_table('sign_ins')
    _create_sign_ins('api_tokens', 'token_id')
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in UNIQUE_PER_TEACHER:
                column, key = UNIQUE_PER_TEACHER[table]
                batch_op.drop_index(f'uq_{table}_teacher_id_{key}')
                batch_op.create_index(f'uq_{table}_{key}', [key], unique=True)
                batch_op.create_unique_constraint(f'uq_{table}_{column}', [column])
            batch_op.drop_constraint(f'fk_{table}_teacher_id_teachers', type_='foreignkey')
            batch_op.drop_column('teacher_id')
    op.drop_index('uq_teachers_email_key', table_name='teachers')
    op.drop_table('teachers')
