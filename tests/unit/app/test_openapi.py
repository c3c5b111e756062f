"""The OpenAPI document: served without a token, valid OpenAPI 3.1, one operation for each route
under /api/ and no other, request schemas that accept exactly what the validation accepts, and
a build that refuses a route it cannot describe."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from app import openapi
from app.api.common import EMAIL_ADDRESS, ID, Body, Field, check_value
from app.api.courses import FIELDS as COURSE_FIELDS
from tests.app_helpers import ApiClient

DOCUMENT = "/api/v1/openapi.json"
FIELDS = {
    "text": Field("str", max_length=20),
    "email": EMAIL_ADDRESS,
    "id": ID,
    "number": Field("number", minimum=0.5, maximum=20),
    "weights": COURSE_FIELDS["category_weights"],
}
# What a JSON body can carry (NaN and infinities aside: jsonsafe refuses them before any field
# is checked), biased towards the edges of the fields above: each kind as likely as the others.
TEXT = st.text(st.sampled_from(["a", "@", ".", " ", "\t", "\x00", "\x1c", "é"]), max_size=25)
NUMBERS = st.integers(-5, 2**31 + 5) | st.floats(allow_nan=False, allow_infinity=False)
LEAVES = st.none() | st.booleans() | NUMBERS | TEXT
JSON_VALUES = st.one_of(
    TEXT, NUMBERS, LEAVES, st.dictionaries(TEXT, LEAVES, max_size=3), st.lists(LEAVES, max_size=3)
)


def api_operations(app: Flask) -> set[tuple[str, str]]:
    """(path, method) of every route under /api/ in ``app.url_map``, in OpenAPI's syntax."""
    found = set()
    for rule in openapi.api_rules(app):
        path = rule.rule.replace("<int:", "{").replace(">", "}")
        found |= {(path, method.lower()) for method in rule.methods - openapi.AUTOMATIC_METHODS}
    return found


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item}


def test_document_is_served_without_a_token_and_is_valid_openapi(client: FlaskClient) -> None:
    response = client.get(DOCUMENT)

    assert response.status_code == 200, response.get_data(as_text=True)
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def test_every_api_route_is_documented_and_nothing_else(app: Flask, client: FlaskClient) -> None:
    routes = api_operations(app)
    in_document = documented(client.get(DOCUMENT).get_json())

    assert len(routes) > 20, "the API's routes should be found in url_map"
    assert sorted(routes - in_document) == [], "routes missing from the document"
    assert sorted(in_document - routes) == [], "operations in the document without a route"


def test_every_write_documents_its_refusals_as_json_errors(client: FlaskClient) -> None:
    document = client.get(DOCUMENT).get_json()

    for path, item in document["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            if method in ("post", "patch"):
                assert {"400", "401", "403", "415", "422"} <= statuses, (method, path)
                assert "requestBody" in operation, (method, path)
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)


@pytest.mark.parametrize("name", sorted(FIELDS))
@settings(max_examples=300)
@given(value=JSON_VALUES)
def test_field_schema_accepts_exactly_what_parse_accepts(name: str, value: Any) -> None:
    spec = FIELDS[name]
    schema_accepts = Draft202012Validator(openapi.field_schema(spec)).is_valid(value)

    problem = check_value(spec, value)

    assert schema_accepts == (problem is None), (value, problem)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("text", " \x1c "),
        ("text", "a\x00"),
        ("email", "ada@example.com"),
        ("email", "ada@example"),
        ("id", 2**31 - 1),
        ("id", 2**31),
        ("number", True),
        ("weights", {"hw": 0}),
        ("weights", {"hw": 1000}),
        ("weights", {" ": 1}),
    ],
)
def test_field_schema_agrees_at_the_edges(name: str, value: Any) -> None:
    spec = FIELDS[name]
    schema_accepts = Draft202012Validator(openapi.field_schema(spec)).is_valid(value)

    assert schema_accepts == (check_value(spec, value) is None)


def test_a_route_without_a_resource_breaks_the_build(make_app: Any) -> None:
    stray = Blueprint("stray", __name__)
    stray.add_url_rule("/api/v1/stray/<int:stray_id>", "get_stray", lambda stray_id: {})
    app = make_app()
    app.register_blueprint(stray)

    with pytest.raises(openapi.Undescribed, match=r"/api/v1/stray/<int:stray_id> \(stray"):
        openapi.build(app)


def test_a_write_without_a_declared_body_breaks_the_build(make_app: Any) -> None:
    bp = Blueprint("courses_extra", __name__)
    bp.add_url_rule("/api/v1/x", "create_x", lambda: ({}, 201), methods=["POST"])
    app = make_app()
    app.register_blueprint(bp)

    with pytest.raises(openapi.Undescribed, match=r"POST /api/v1/x: the view declares no body"):
        openapi.build(app)


def test_write_bodies_are_the_tables_the_views_validate_with(client: FlaskClient) -> None:
    paths = client.get(DOCUMENT).get_json()["paths"]

    def body(path: str, method: str) -> dict[str, Any]:
        return paths[path][method]["requestBody"]["content"]["application/json"]["schema"]

    assert body("/api/v1/courses", "post") == openapi.body_schema(Body(COURSE_FIELDS))
    patch = body("/api/v1/courses/{course_id}", "patch")
    assert patch == openapi.body_schema(Body(COURSE_FIELDS, partial=True))
    assert "required" not in patch
    assert body("/api/v1/grades/{grade_id}", "patch")["required"] == ["score"]


def test_an_id_written_as_a_whole_float_is_the_integer_the_document_allows(
    api: ApiClient, seed: dict[str, Any]
) -> None:
    body = {"course_id": float(seed["course"]["id"]), "title": "HW3", "category": "homework"}

    created = api.post("/assignments", {**body, "max_points": 10})
    refused = api.post("/assignments", {**body, "course_id": 1.5, "max_points": 10})

    assert created.status_code == 201, created.get_json()
    assert created.get_json()["course_id"] == seed["course"]["id"]
    assert isinstance(created.get_json()["course_id"], int)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == {"course_id": "must be an integer"}
