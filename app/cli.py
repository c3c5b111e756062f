"""Command-line tools registered on ``flask --app app``: create teachers (or set a teacher's
password); create, list and revoke API tokens, each acting for a teacher.

``create-token`` prints the token alone on stdout
(``T=$(flask --app app create-token ci --teacher ada@school.edu)``); everything else, the app's
log lines included, goes to stderr.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from . import demo, passwords
from .api.common import EMAIL_ADDRESS, check_value
from .db import db
from .models import PLACEHOLDER_OWNER, SCOPES, WRITE, ApiToken, Teacher, aware
from .tokens import Grant, create_token, forget_grant

if TYPE_CHECKING:
    from flask import Flask


def _read_password() -> str:
    """Prompted for twice at a terminal; else the first line of stdin (never an argument:
    the process list and shell history would show it)."""
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().removesuffix("\n").removesuffix("\r")


@click.command("create-teacher")
@click.argument("email")
@with_appcontext
def create_teacher_command(email: str) -> None:
    """Create the teacher EMAIL, who signs in with the password given at the prompt (or on the
    first line of stdin); for an existing teacher (the migrated owner of data from before
    teachers, say), set a new password."""
    email = email.strip()
    if check_value(EMAIL_ADDRESS, email):
        raise click.ClickException(f"{email!r} is not an email address")
    password = _read_password()
    problem = passwords.check_password(password)
    if problem:
        raise click.ClickException(problem)
    teacher = passwords.find_teacher(email)
    verb = "Password set for"
    if teacher is None:
        teacher = Teacher(email=email)
        db.session.add(teacher)
        verb = "Created teacher"
    teacher.password_hash = passwords.hash_password(password)
    db.session.commit()
    click.echo(f"{verb} {teacher.email}.", err=True)


def _teacher(email: str | None) -> Teacher:
    """The teacher a new token acts for: ``email``'s; without one, the only teacher there is,
    or on a database without teachers the placeholder owner (``models.PLACEHOLDER_OWNER``, no
    password: nobody signs in as it until ``create-teacher`` sets one)."""
    if email is not None:
        teacher = passwords.find_teacher(email)
        if teacher is None:
            raise click.ClickException(
                f"no teacher {email!r}: create one with 'flask --app app create-teacher {email}'"
            )
        return teacher
    teachers = db.session.scalars(select(Teacher).limit(2)).all()
    if len(teachers) > 1:
        raise click.ClickException("there are several teachers: name one with --teacher EMAIL")
    if teachers:
        return teachers[0]
    owner = Teacher(email=PLACEHOLDER_OWNER)
    db.session.add(owner)
    return owner


@click.command("create-token")
@click.argument("name")
@click.option(
    "--teacher",
    "email",
    default=None,
    help="The teacher (email) it acts for; may be left out while there is at most one.",
)
@click.option(
    "--scope",
    type=click.Choice(SCOPES),
    default=WRITE,
    show_default=True,
    help="read: GET requests only; write: everything (write implies read).",
)
@click.option(
    "--expires-in-days",
    type=click.IntRange(min=1),
    default=None,
    help="Days until the token stops working (default: never expires).",
)
@with_appcontext
def create_token_command(
    name: str, email: str | None, scope: str, expires_in_days: int | None
) -> None:
    """Create an API token called NAME acting for a teacher, and print it (it cannot be shown
    again)."""
    if db.session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise click.ClickException(f"a token named {name!r} already exists")
    teacher = _teacher(email)
    expires_at = None
    if expires_in_days is not None:
        expires_at = datetime.now(UTC) + timedelta(days=expires_in_days)
    db.session.flush()
    click.echo(create_token(name, scope, expires_at, teacher_id=teacher.id))
    click.echo(
        f"Token {name!r} ({scope}, for {teacher.email}) created. Store it now: it will not be "
        "shown again.",
        err=True,
    )


@click.command("list-tokens")
@with_appcontext
def list_tokens_command() -> None:
    """List tokens: name, teacher, scope, created, expires (token values are never shown)."""
    now = datetime.now(UTC)
    rows = db.session.execute(
        select(ApiToken, Teacher.email).join(Teacher).order_by(ApiToken.name)
    ).tuples()
    for row, teacher in rows:
        expires = "never" if row.expires_at is None else aware(row.expires_at).isoformat()
        state = "expired" if Grant.of(row).expired(now) else "active"
        created = aware(row.created_at).isoformat()
        click.echo(
            f"{row.name}\t{teacher}\t{row.scope}\t{state}\tcreated {created}\texpires {expires}"
        )


@click.command("revoke-token")
@click.argument("name")
@with_appcontext
def revoke_token_command(name: str) -> None:
    """Revoke the token called NAME: it stops working on every instance at once."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise click.ClickException(f"no token named {name!r}")
    try:
        # First, so that a Redis failure leaves everything as it was and says so.
        forget_grant(row)
    except Exception as error:  # never report a revoke that did not happen
        raise click.ClickException(
            f"token {name!r} not revoked: the token cache could not be updated "
            f"({type(error).__name__}); try again when Redis answers"
        ) from None
    db.session.delete(row)
    db.session.commit()
    click.echo(f"Token {name!r} revoked.", err=True)


def in_command_line() -> bool:
    """Whether this process is a ``flask`` command: the CLI builds the app in its click context,
    gunicorn and the tests do not."""
    return click.get_current_context(silent=True) is not None


def init_app(app: Flask) -> None:
    """Register the commands on ``app``."""
    commands = (
        demo.demo_teacher_command,
        create_teacher_command,
        create_token_command,
        list_tokens_command,
        revoke_token_command,
    )
    for command in commands:
        app.cli.add_command(command)
