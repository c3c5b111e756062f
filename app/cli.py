"""Command-line tools registered on ``flask --app app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .db import db
from .models import ApiToken
from .security import create_token

if TYPE_CHECKING:
    from flask import Flask


@click.command("create-token")
@click.argument("name")
@with_appcontext
def create_token_command(name: str) -> None:
    """Create an API token called NAME and print it (it cannot be shown again)."""
    if db.session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise click.ClickException(f"a token named {name!r} already exists")
    click.echo(create_token(name))
    click.echo(f"Token {name!r} created. Store it now: it will not be shown again.", err=True)


def init_app(app: Flask) -> None:
    """Register the commands on ``app``."""
    app.cli.add_command(create_token_command)
