"""The JSON API's OpenAPI 3.1 document, made from the app itself so it cannot drift from it.

Each operation comes from a route under /api/ in ``app.url_map``; a write's request body from
the ``Body`` its view declared with ``api.common.accepts`` (the Field table ``parse_body`` checks
requests against); a row's schema from its model's ``API_FIELDS`` and column types; the error
answers from what the API's shared code can answer (``errors``, ``auth``, ``limits``). Only the
reports' shapes are written out here. A route this module cannot describe (an unknown resource,
a write without a declared body) fails the build of the document, and so the tests.

Served without a token at ``/api/v1/openapi.json`` for clients and fuzzers: the container suite
points schemathesis at it (tests/container/app/test_api_schema.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app
from sqlalchemy import JSON, DateTime, Float, Integer, String
from werkzeug.routing import IntegerConverter

from .api.common import MAX_WEIGHT, Body, Field
from .grading import LETTER_THRESHOLDS
from .models import MAX_ID, Assignment, Course, Enrollment, Grade, Rendered, Student

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.routing import Rule

EXTENSION = "openapi"
DOCUMENT_PATH = "/openapi.json"
# The resource each API blueprint's rows are; reports have their own shapes (REPORTS).
RESOURCES: dict[str, type[Rendered]] = {
    "courses": Course,
    "students": Student,
    "enrollments": Enrollment,
    "assignments": Assignment,
    "grades": Grade,
}
AUTOMATIC_METHODS = frozenset({"HEAD", "OPTIONS"})
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# parse's "str" check: some character other than whitespace, and no NUL anywhere.
NON_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"

ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {
                    "description": "The problem with each field of the body, by field name",
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                },
            },
        }
    },
}
# Why each error status is answered; which operations can answer it is in _errors.
ERRORS = {
    400: "A query argument is not an integer from 1 to 2147483647, or the body is not a JSON "
    "object",
    401: "Missing, invalid or expired bearer token",
    403: "The token's scope is read; this operation needs a write token",
    404: "No such row (or the student is not enrolled in the course)",
    409: "A duplicate, a change the existing rows forbid, or a concurrent write that won",
    412: "If-Match names no current ETag of the row: GET it again, then retry",
    413: "The body is too large",
    415: "The body is not sent as application/json",
    422: "The body is invalid; details names the problem of each field",
    429: "Too many requests; Retry-After says when to try again",
    503: "The database is unavailable; Retry-After says when to try again",
}

NUMBER_OR_NULL = {"type": ["number", "null"]}
LETTER = {"enum": [letter for letter, _ in LETTER_THRESHOLDS] + [None]}


def _closed(properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly ``properties``: an undocumented field contradicts the document."""
    return {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


RESULT = {
    "percentage": NUMBER_OR_NULL,
    "letter": LETTER,
    "graded_assignments": {"type": "integer"},
    "ungraded_assignments": {"type": "integer"},
    "categories": {
        "type": "object",
        "additionalProperties": _closed(
            {
                name: {"type": "number"}
                for name in ("percentage", "earned", "possible", "weight", "effective_weight")
            }
        ),
    },
}
# The reports' shapes (app.reports), by endpoint.
REPORTS: dict[str, dict[str, Any]] = {
    "reports.student_in_course": _closed({"course_id": ID, "student_id": ID, **RESULT}),
    "reports.course_summary": _closed(
        {
            "course": _ref("Course"),
            "students": {
                "type": "array",
                "items": _closed(
                    {"student_id": ID, "name": {"type": "string"}}
                    | {"percentage": NUMBER_OR_NULL, "letter": LETTER}
                ),
            },
            **{name: NUMBER_OR_NULL for name in ("average", "median", "highest", "lowest")},
            "distribution": _closed(
                {letter: {"type": "integer"} for letter, _ in LETTER_THRESHOLDS}
            ),
            "graded_students": {"type": "integer"},
            "ungraded_students": {"type": "integer"},
        }
    ),
    "reports.student_gpa": _closed(
        {
            "student_id": ID,
            "courses": {
                "type": "array",
                "items": _closed(
                    {"course_id": ID, "code": {"type": "string"}, "credits": {"type": "number"}}
                    | {"percentage": NUMBER_OR_NULL, "letter": LETTER}
                ),
            },
            "gpa": NUMBER_OR_NULL,
        }
    ),
}


class Undescribed(LookupError):
    """A route under /api/ this module cannot describe: the document would be wrong."""


def field_schema(spec: Field) -> dict[str, Any]:
    """The JSON Schema of the values ``api.common.parse`` accepts for ``spec``."""
    if spec.kind == "str":
        text = {"type": "string", "minLength": 1, "maxLength": spec.max_length}
        if spec.pattern is None:
            return {**text, "pattern": NON_BLANK}
        return {**text, "allOf": [{"pattern": NON_BLANK}, {"pattern": spec.pattern}]}
    if spec.kind in ("int", "number"):
        bounds = {"minimum": spec.minimum, "maximum": spec.maximum}
        kind = "integer" if spec.kind == "int" else "number"
        return {"type": kind} | {name: value for name, value in bounds.items() if value is not None}
    if spec.kind == "weights":
        return {
            "type": "object",
            "description": "Category name -> weight; an assignment's category must be one",
            "propertyNames": {"minLength": 1, "maxLength": 50, "pattern": NON_BLANK},
            "additionalProperties": {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": MAX_WEIGHT,
            },
        }
    raise Undescribed(f"no JSON Schema for a field of kind {spec.kind!r}")


def body_schema(body: Body) -> dict[str, Any]:
    """The JSON Schema of the bodies ``parse`` accepts for ``body``: no other field."""
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: field_schema(spec) for name, spec in body.fields.items()},
    }
    required = [name for name, spec in body.fields.items() if spec.required]
    if required and not body.partial:
        schema["required"] = required
    return schema


def _column_schema(model: type[Rendered], name: str) -> dict[str, Any]:
    column = model.__table__.columns[name]  # type: ignore[attr-defined]
    kind = column.type
    if isinstance(kind, Integer):
        schema: dict[str, Any] = {"type": "integer"}
    elif isinstance(kind, Float):
        schema = {"type": "number"}
    elif isinstance(kind, String):
        schema = {"type": "string", "maxLength": kind.length}
    elif isinstance(kind, DateTime):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(kind, JSON):
        schema = {"type": "object", "additionalProperties": {"type": "number"}}
    else:
        raise Undescribed(f"no JSON Schema for {model.__name__}.{name} ({kind!r})")
    if column.nullable:
        schema["type"] = [schema["type"], "null"]
    return schema


def row_schema(model: type[Rendered]) -> dict[str, Any]:
    """The JSON Schema of ``model.to_dict()``: its ``API_FIELDS``, typed by their columns."""
    return _closed({name: _column_schema(model, name) for name in model.API_FIELDS})


def _page_schema(model: type[Rendered]) -> dict[str, Any]:
    counts = {name: {"type": "integer", "minimum": 0} for name in ("total", "pages")}
    return _closed(
        {"items": {"type": "array", "items": _ref(model.__name__)}}
        | {"page": ID, "per_page": {"type": "integer", "minimum": 1}}
        | counts
    )


def _path(rule: Rule) -> tuple[str, list[dict[str, Any]]]:
    """``rule``'s path in OpenAPI's template syntax, and its path parameters."""
    parameters = []
    # A rule's converters, by argument in path order, are only kept in this werkzeug attribute.
    for name, converter in rule._converters.items():
        if not isinstance(converter, IntegerConverter):
            raise Undescribed(f"{rule.rule}: no schema for the converter of <{name}>")
        parameters.append({"name": name, "in": "path", "required": True, "schema": ID})
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule), parameters


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    error = _ref("Error")
    return {str(status): _json(error, ERRORS[status]) for status in sorted(statuses)}


def _resource(rule: Rule) -> type[Rendered]:
    blueprint = rule.endpoint.partition(".")[0]
    if blueprint not in RESOURCES:
        raise Undescribed(f"{rule.rule} ({rule.endpoint}): no resource in app.openapi.RESOURCES")
    return RESOURCES[blueprint]


def _answer_schema(rule: Rule) -> dict[str, Any]:
    """The schema of the row or report a successful request to ``rule`` answers."""
    if rule.endpoint in REPORTS:
        return REPORTS[rule.endpoint]
    return _ref(_resource(rule).__name__)


def _read(app: Flask, rule: Rule, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """The responses of a GET; a list's query arguments are added to ``parameters``."""
    view = app.view_functions[rule.endpoint]
    statuses = {401, 429, 503}
    filters = getattr(view, "filters", None)
    if filters is not None:
        # A page of the blueprint's rows (api.routes.read_routes).
        names = ("page", "per_page", *filters)
        parameters += [{"name": name, "in": "query", "schema": ID} for name in names]
        ok = _page_schema(_resource(rule))
        statuses.add(400)
    else:
        ok = _answer_schema(rule)
    if rule.arguments:
        statuses.add(404)
    etag = {
        "ETag": {
            "description": "Send it back in If-None-Match or If-Match",
            "schema": {"type": "string"},
        }
    }
    return {
        "200": _json(ok, "OK") | {"headers": etag},
        "304": {"description": "Not modified: If-None-Match names the current ETag"},
    } | _errors(*statuses)


def _write(app: Flask, rule: Rule, method: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The responses of a write and the request body it takes (None for a DELETE)."""
    view = app.view_functions[rule.endpoint]
    # Every write can lose a race to another one (errors.handle_conflict): 409.
    statuses = {401, 403, 409, 429, 503}
    if rule.arguments:
        statuses |= {404, 412}
    if method == "DELETE":
        return {"204": {"description": "Deleted"}} | _errors(*statuses), None
    body: Body | None = getattr(view, "body", None)
    if body is None:
        raise Undescribed(f"{method} {rule.rule}: the view declares no body (api.common.accepts)")
    statuses |= {400, 413, 415, 422}
    ok = ("201", "Created") if method == "POST" else ("200", "Updated")
    request_body = {
        "required": True,
        "content": {"application/json": {"schema": body_schema(body)}},
    }
    return {ok[0]: _json(_answer_schema(rule), ok[1])} | _errors(*statuses), request_body


def _operation(app: Flask, rule: Rule, method: str) -> dict[str, Any]:
    path, parameters = _path(rule)
    operation: dict[str, Any] = {
        "operationId": rule.endpoint,
        "tags": [rule.endpoint.split(".")[0]],
    }
    if rule.endpoint == f"{EXTENSION}.document":
        operation["security"] = []
        operation["responses"] = {"200": _json({"type": "object"}, "This document")} | _errors(429)
        return operation
    if method == "GET":
        operation["responses"] = _read(app, rule, parameters)
    elif method in ("POST", "PATCH", "DELETE"):
        operation["responses"], request_body = _write(app, rule, method)
        if request_body is not None:
            operation["requestBody"] = request_body
    else:
        raise Undescribed(f"{method} {rule.rule}: no method the API documents")
    if parameters:
        operation["parameters"] = parameters
    return operation


def api_rules(app: Flask) -> list[Rule]:
    """The routes the document describes: every one under /api/."""
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]


def build(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s routes under /api/."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in api_rules(app):
        path, _ = _path(rule)
        for method in sorted((rule.methods or set()) - AUTOMATIC_METHODS):
            paths.setdefault(path, {})[method.lower()] = _operation(app, rule, method)
    schemas = {model.__name__: row_schema(model) for model in RESOURCES.values()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Grade Tracker API",
            "version": "1",
            "description": "Courses, students, enrollments, assignments, grades and reports. "
            "Every operation but this document needs 'Authorization: Bearer <token>' "
            "(`flask --app app create-token`); GET needs the read scope, writes the write "
            "scope. PATCH and DELETE take If-Match with a GET's ETag.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas | {"Error": ERROR},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


bp = Blueprint(EXTENSION, __name__)


@bp.get(DOCUMENT_PATH)
def document() -> dict[str, Any]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found: dict[str, Any] | None = app.extensions.get(EXTENSION)
    if found is None:
        # Built on first request: every route is registered by then.
        found = app.extensions[EXTENSION] = build(app)
    return found


def init_app(app: Flask, prefix: str) -> None:
    """Serve the document at ``prefix`` + /openapi.json on ``app``, without a token."""
    app.register_blueprint(bp, url_prefix=prefix)
