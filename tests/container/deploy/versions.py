"""Edits that turn a copy of the repository into another version of the app: v2 (a real code
change with an expand-only migration) and the broken variants the rehearsal must reject."""

from __future__ import annotations

import re
from pathlib import Path

VERSIONS = Path("migrations/versions")
_REVISION = re.compile(r'^revision\s*=\s*["\']([0-9a-z_]+)["\']', re.MULTILINE)
_DOWN = re.compile(r'^down_revision\s*=\s*["\']([0-9a-z_]+)["\']', re.MULTILINE)

V2_ROUTE = '''

@bp.get("/version")
def version() -> dict[str, str]:
    """Which build answers (v2 of the deploy rehearsal)."""
    return {"version": "v2"}
'''

MIGRATION = '''"""{message}

Revision ID: {revision}
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade():
{upgrade}


def downgrade():
    pass
'''


def migration_head(repo: Path) -> str:
    """The revision no other migration revises."""
    texts = [path.read_text() for path in (repo / VERSIONS).glob("*.py")]
    revisions = {m.group(1) for text in texts if (m := _REVISION.search(text))}
    downs = {m.group(1) for text in texts if (m := _DOWN.search(text))}
    (head,) = revisions - downs
    return head


def add_migration(repo: Path, revision: str, message: str, upgrade: str) -> None:
    body = "\n".join("    " + line for line in upgrade.strip().splitlines())
    text = MIGRATION.format(
        message=message, revision=revision, down=migration_head(repo), upgrade=body
    )
    (repo / VERSIONS / f"{revision}_{message.lower().replace(' ', '_')[:30]}.py").write_text(text)


def v2(repo: Path) -> None:
    """A new route and an expand-only migration (a nullable column v1 never reads)."""
    with (repo / "app/health.py").open("a") as module:
        module.write(V2_ROUTE)
    add_migration(
        repo,
        "a2a2a2a2a2a2",
        "Add students preferred name",
        'op.add_column("students", sa.Column("preferred_name", sa.String(100), nullable=True))',
    )


def failing_migration(repo: Path) -> None:
    """v2 whose migration fails halfway: a column is added, then a statement errors."""
    v2(repo)
    add_migration(
        repo,
        "b3b3b3b3b3b3",
        "Add and break",
        'op.add_column("courses", sa.Column("term", sa.String(20), nullable=True))\n'
        'op.execute("SELECT no_such_function()")',
    )


def drops_a_column_v1_reads(repo: Path) -> None:
    """A contract step shipped too early: the students' email column v1 still reads."""
    add_migration(
        repo, "c4c4c4c4c4c4", "Drop students email", 'op.drop_column("students", "email")'
    )


def health_ignores_the_database(repo: Path) -> None:
    """A /health that answers 200 whatever the database does."""
    replace(repo / "app/health.py", "    database = _database_status()\n", '    database = "ok"\n')


def replace(path: Path, old: str, new: str) -> None:
    """Edit ``path``; an edit that no longer applies fails loudly instead of building v1."""
    text = path.read_text()
    if old not in text:
        raise AssertionError(f"{path}: {old!r} not found; update the rehearsal's variant")
    path.write_text(text.replace(old, new, 1))


def limiter_without_fallback(repo: Path) -> None:
    """A rate limiter that fails requests when its Redis storage is down."""
    limits = repo / "app/limits.py"
    replace(
        limits,
        '"RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True',
        '"RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", False',
    )


# Every variant the suite builds, by the name its tests ask for: built up-front, concurrently.
VARIANTS = {
    "v2": v2,
    "failing-migration": failing_migration,
    "drops-email": drops_a_column_v1_reads,
    "health-ignores-db": health_ignores_the_database,
    "limiter-no-fallback": limiter_without_fallback,
}
