"""Command-line tools registered on ``flask --app app``: create, list and revoke API tokens.

``create-token`` prints the token alone on stdout (``T=$(flask --app app create-token ci)``);
everything else, the app's log lines included, goes to stderr.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .db import db
from .models import SCOPES, WRITE, ApiToken, aware
from .tokens import Grant, create_token, forget_grant

if TYPE_CHECKING:
    from flask import Flask


@click.command("create-token")
@click.argument("name")
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
def create_token_command(name: str, scope: str, expires_in_days: int | None) -> None:
    """Create an API token called NAME and print it (it cannot be shown again)."""
    if db.session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise click.ClickException(f"a token named {name!r} already exists")
    expires_at = None
    if expires_in_days is not None:
        expires_at = datetime.now(UTC) + timedelta(days=expires_in_days)
    click.echo(create_token(name, scope, expires_at))
    click.echo(
        f"Token {name!r} ({scope}) created. Store it now: it will not be shown again.", err=True
    )


@click.command("list-tokens")
@with_appcontext
def list_tokens_command() -> None:
    """List tokens: name, scope, created, expires (token values are never shown)."""
    now = datetime.now(UTC)
    for row in db.session.scalars(select(ApiToken).order_by(ApiToken.name)):
        expires = "never" if row.expires_at is None else aware(row.expires_at).isoformat()
        state = "expired" if Grant.of(row).expired(now) else "active"
        created = aware(row.created_at).isoformat()
        click.echo(f"{row.name}\t{row.scope}\t{state}\tcreated {created}\texpires {expires}")


@click.command("revoke-token")
@click.argument("name")
@with_appcontext
def revoke_token_command(name: str) -> None:
    """Revoke the token called NAME: it and every page sign-in made with it stop working."""
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
    for command in (create_token_command, list_tokens_command, revoke_token_command):
        app.cli.add_command(command)
