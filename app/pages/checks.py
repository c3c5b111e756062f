"""A posted form checked by the API's own rules, each problem shown next to its field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_wtf import FlaskForm

from ..api.common import Field, checked
from ..errors import ApiError


def submitted(
    form: FlaskForm, fields: Mapping[str, Field], values: Callable[[], dict[str, Any]]
) -> dict[str, Any] | None:
    """The posted values, valid: ``values()`` gives them under the API's field names and types
    (from the form's converted data; None for a blank optional number, left out as a JSON body
    leaves it out) and ``fields`` are the API's rules for them. None on a GET, or when anything
    is wrong, with each problem on its field."""
    if not form.is_submitted():
        return None
    form.validate()  # the CSRF token, and each number field's text converted
    data = {
        name: value
        for name, value in values().items()
        if value is not None and not form[name].errors
    }
    try:
        data = checked(fields, data)
    except ApiError as exc:
        show(form, exc)
    return None if has_errors(form) else data


def show(form: FlaskForm, exc: ApiError, field: str | None = None) -> None:
    """Put the API's refusal on ``form``: each of its details next to the field of that name,
    else its message next to ``field``. A field already showing a problem keeps just that one
    (a number that was not a number is not also "required")."""
    problems = exc.details or ({field: exc.message} if field else {})
    for name, problem in problems.items():
        target = form[name]
        if not target.errors:
            target.errors = [_sentence(target.label.text, problem)]


def _sentence(label: str, problem: str) -> str:
    # The API words a field's problem as what follows its name ("must be at most 20
    # characters"); a page shows it next to the field's label.
    if problem.startswith(("must ", "is ")):
        return f"{label} {problem}."
    return problem[0].upper() + problem[1:]


def has_errors(form: FlaskForm) -> bool:
    return any(field.errors for field in form)
