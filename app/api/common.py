"""Request parsing, validation and pagination shared by the API blueprints."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, request
from sqlalchemy import Select, func, select

from .. import jsonsafe
from ..db import db
from ..errors import ApiError
from ..models import MAX_ID
from ..ownership import owned_row

M = TypeVar("M")
V = TypeVar("V", bound=Callable[..., Any])
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Bounded so that weights summed over every category stay finite (1e308 + 1e308 is inf).
MAX_WEIGHT = 1000


@dataclass(frozen=True)
class Field:
    """How one JSON field is checked: ``kind`` is "str", "int", "number" or "weights"; a
    string may also have to match ``pattern`` (searched, as JSON Schema does), else it is
    refused with ``problem``. The OpenAPI document (app.openapi) describes fields from these."""

    kind: str
    required: bool = True
    max_length: int = 200
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    problem: str = ""


@dataclass(frozen=True)
class Body:
    """The JSON body a view takes: ``fields``, all optional when ``partial`` (a PATCH)."""

    fields: Mapping[str, Field]
    partial: bool = False


def accepts(fields: Mapping[str, Field], *, partial: bool = False) -> Callable[[V], V]:
    """Declare the body a view takes: ``parse_body`` checks requests against it and the
    OpenAPI document describes it, so the two cannot drift apart."""

    def declare(view: V) -> V:
        view.body = Body(fields, partial)  # type: ignore[attr-defined]
        return view

    return declare


def _number(value: float) -> str:
    # ":g" alone would print MAX_ID as 2.14748e+09.
    return str(value) if isinstance(value, int) else f"{value:g}"


def check_value(spec: Field, value: Any) -> str | None:
    """What is wrong with ``value`` by ``spec``, or None: for a body's field, a form's or a
    command's argument alike."""
    if spec.kind == "str":
        if not isinstance(value, str) or not value.strip():
            return "must be a non-empty string"
        if "\x00" in value:
            # PostgreSQL text cannot hold NUL; SQLite would store it and hide the problem.
            return "must not contain NUL characters"
        if len(value) > spec.max_length:
            return f"must be at most {spec.max_length} characters"
        if spec.pattern and not re.search(spec.pattern, value):
            return spec.problem
    elif spec.kind in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be an integer" if spec.kind == "int" else "must be a number"
        # JSON has one number type: 3.0 is the integer 3, as JSON Schema (and so the OpenAPI
        # document) says; parse hands it on as an int.
        if spec.kind == "int" and isinstance(value, float) and not value.is_integer():
            return "must be an integer"
        # Only floats can be non-finite; math.isfinite(10**400) would raise OverflowError.
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        if spec.minimum is not None and value < spec.minimum:
            return f"must be at least {_number(spec.minimum)}"
        if spec.maximum is not None and value > spec.maximum:
            return f"must be at most {_number(spec.maximum)}"
    elif spec.kind == "weights":
        if not isinstance(value, dict):
            return "must be an object mapping category names to positive weights"
        for name, weight in value.items():
            if not name.strip() or len(name) > 50 or "\x00" in name:
                return "category names must be 1-50 characters, without NUL"
            if (
                isinstance(weight, bool)
                or not isinstance(weight, int | float)
                # Python's JSON parser accepts NaN and Infinity; NaN also slips past "<= 0".
                or (isinstance(weight, float) and not math.isfinite(weight))
                or not 0 < weight <= MAX_WEIGHT
            ):
                return f"weight of {name!r} must be a number above 0 and at most {MAX_WEIGHT}"
    return None


# A row id in a body: the same bounds as ``<int:...>`` in URLs.
ID = Field("int", minimum=1, maximum=MAX_ID)
EMAIL_ADDRESS = Field(
    "str", max_length=254, pattern=EMAIL.pattern, problem="must be an email address"
)


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415/400 ApiError."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json")
    try:
        data = jsonsafe.loads(request.get_data(cache=True))
    except jsonsafe.UnsafeJson as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object")
    return data


def parse(fields: Mapping[str, Field], *, partial: bool = False) -> dict[str, Any]:
    """Validate the JSON body against ``fields``; ``partial`` (PATCH) makes all optional."""
    return checked(fields, json_body(), partial=partial)


def checked(
    fields: Mapping[str, Field], data: Mapping[str, Any], *, partial: bool = False
) -> dict[str, Any]:
    """``data`` validated against ``fields`` (strings stripped), or a 422 ApiError whose
    details name each field's problem: the API's bodies and the pages' forms alike."""
    errors: dict[str, str] = {}
    for name in sorted(set(data) - set(fields)):
        errors[name] = "unknown field"
    for name, spec in fields.items():
        if name not in data:
            if spec.required and not partial:
                errors[name] = "is required"
            continue
        problem = check_value(spec, data[name])
        if problem:
            errors[name] = problem
    if errors:
        raise invalid_body(errors)
    return {name: _cleaned(fields[name], value) for name, value in data.items()}


def invalid_body(problems: dict[str, str]) -> ApiError:
    """The 422 for a body with ``problems`` (field name -> what is wrong with it)."""
    return ApiError(422, "validation_error", "The request body is invalid", problems)


def _cleaned(spec: Field, value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return int(value) if spec.kind == "int" else value


def parse_body() -> dict[str, Any]:
    """The request's body, checked against the ``Body`` its view declared with ``accepts``."""
    body: Body = current_app.view_functions[request.endpoint].body  # type: ignore[index]
    return parse(body.fields, partial=body.partial)


def found_or_404(obj: M | None, model: type[M], object_id: int) -> M:
    """``obj``, or a 404 ApiError naming the resource it was looked up as."""
    if obj is None:
        raise ApiError(404, "not_found", f"{model.__name__} {object_id} does not exist")
    return obj


def found_or_422(obj: M | None, model: type[M], field: str, object_id: int) -> M:
    """``obj``, looked up from a body field, or a 422 ApiError on that field."""
    if obj is None:
        raise invalid_body({field: f"{model.__name__} {object_id} does not exist"})
    return obj


def get_or_404(model: type[M], object_id: int) -> M:
    """The current teacher's row with ``object_id`` (``ownership.owned_row``), or a 404
    ApiError naming the resource: another teacher's row is answered as a missing one."""
    return found_or_404(owned_row(model, object_id), model, object_id)


def get_or_422(model: type[M], field: str, object_id: int) -> M:
    """The current teacher's row a body field refers to, or a 422 ApiError on that field."""
    return found_or_422(owned_row(model, object_id), model, field, object_id)


def _query_int(name: str, default: int) -> int:
    # Capped at MAX_ID: ids above it name no row, and a page above it would overflow OFFSET.
    problem = f"{name} must be an integer from 1 to {MAX_ID}"
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "bad_request", problem) from None
    if not 1 <= value <= MAX_ID:
        raise ApiError(400, "bad_request", problem)
    return value


def filter_arg(name: str) -> int | None:
    """An optional integer filter from the query string (e.g. ``?course_id=3``)."""
    return _query_int(name, 0) if name in request.args else None


def filtered(statement: Select[Any], columns: Mapping[str, Any]) -> Select[Any]:
    """``statement`` narrowed by each of ``columns`` (query argument -> column) given in the
    query string, e.g. ``?course_id=3``."""
    for name, column in columns.items():
        value = filter_arg(name)
        if value is not None:
            statement = statement.where(column == value)
    return statement


def paginated(statement: Select[Any]) -> dict[str, Any]:
    """Run ``statement`` one page at a time; ``per_page`` is capped at API_PER_PAGE_MAX."""
    page = _query_int("page", 1)
    per_page = min(
        _query_int("per_page", current_app.config["API_PER_PAGE_DEFAULT"]),
        current_app.config["API_PER_PAGE_MAX"],
    )
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": [row.to_dict() for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": (total + per_page - 1) // per_page,
    }
