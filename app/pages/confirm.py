"""Deletes behind a confirmation page: a GET shows what would go with the row, only the POST
of its form (CSRF-checked) deletes, through the API's write helper (``api.writes.deleted``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request
from werkzeug.wrappers import Response

from ..api.writes import deleted
from ..errors import ApiError
from .forms import ConfirmForm


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation page says: the question, what goes with the row, the button that
    deletes and where Cancel leads."""

    heading: str
    consequences: list[str]
    button: str
    cancel: str


def confirmed_delete(
    row: Any,
    course_ids: Callable[[Any], list[int]],
    confirmation: Callable[[], Confirmation],
    done: str,
    then: str,
) -> str | Response:
    """On a GET, ``confirmation()``'s page; on its form's POST, delete ``row`` (dropping the
    cached reports of ``course_ids(row)``), flash ``done`` and redirect to ``then``."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            deleted(type(row), row.id, course_ids)
        except ApiError as exc:  # deleted meanwhile: as a page, not the API's JSON
            abort(exc.status, exc.message)
        flash(done)
        return redirect(then)
    return render_template(
        "pages/confirm.html", form=form, page=confirmation(), action=request.path
    )
