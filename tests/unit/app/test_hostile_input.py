"""Hostile input is a 4xx, never a 5xx, and a refused write changes nothing.

The findings of the security review, each pinned by a regression test, then a hypothesis test
that sends generated hostile bodies and query strings to every route in the URL map.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from app.db import db
from tests.app_helpers import ApiClient, csrf_token, sign_in

HUGE = 10**400  # beyond any float: math.isfinite() raised OverflowError on it
LONE_SURROGATE = "\ud800"


def _post_raw(api: ApiClient, path: str, raw: str, method: str = "POST") -> Any:
    headers = {**api.headers, "Content-Type": "application/json"}
    return api.client.open("/api/v1" + path, method=method, data=raw, headers=headers)


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (sign-ins aside: signing in is a write of its own)."""
    with app.app_context():
        tables = [t for t in inspect(db.engine).get_table_names() if t != "sign_ins"]
        return {
            table: [tuple(row) for row in db.session.execute(text(f"SELECT * FROM {table}"))]
            for table in sorted(tables)
        }


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/courses", {"code": "C9", "name": "N", "credits": HUGE}, "credits"),
        ("POST", "/courses", {"code": "C9", "name": "N", "category_weights": {"hw": HUGE}}, None),
        ("POST", "/grades", {"student_id": HUGE, "assignment_id": 1, "score": 1}, "student_id"),
        ("POST", "/grades", {"student_id": 2, "assignment_id": 3, "score": -HUGE}, "score"),
        ("PATCH", "/grades/1", {"score": HUGE}, "score"),
        (
            "POST",
            "/assignments",
            {"course_id": 1, "title": "T", "category": "hw", "max_points": HUGE},
            "max_points",
        ),
    ],
)
def test_integer_too_large_for_a_float_is_a_422(
    api: ApiClient,
    seed: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any],
    field: str | None,
) -> None:
    before = snapshot(api.client.application)
    response = _post_raw(api, path, json.dumps(body), method)
    assert response.status_code == 422, response.get_json()
    assert field is None or field in response.get_json()["error"]["details"]
    assert snapshot(api.client.application) == before


@pytest.mark.parametrize("depth", [9, 1000, 20_000])
def test_deeply_nested_json_is_a_400(api: ApiClient, seed: dict[str, Any], depth: int) -> None:
    raw = '{"name": ' + "[" * depth + "]" * depth + "}"
    response = _post_raw(api, "/students", raw)
    assert response.status_code == 400
    assert "nested at most" in response.get_json()["error"]["message"]


def test_integer_past_the_digit_limit_is_a_400(api: ApiClient, seed: dict[str, Any]) -> None:
    response = _post_raw(
        api, "/courses", '{"code": "C9", "name": "N", "credits": ' + "9" * 5000 + "}"
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/students", {"name": "Ada" + LONE_SURROGATE, "email": "ada2@example.com"}),
        ("/courses", {"code": "C9", "name": "N", "category_weights": {LONE_SURROGATE: 1}}),
    ],
)
def test_lone_surrogate_is_a_400_and_nothing_is_stored(
    web: ApiClient, seed: dict[str, Any], path: str, body: dict[str, Any]
) -> None:
    app = web.client.application
    before = snapshot(app)
    response = _post_raw(web, path, json.dumps(body))  # json.dumps escapes it as \\ud800
    assert response.status_code == 400
    assert "lone surrogate" in response.get_json()["error"]["message"]
    assert snapshot(app) == before
    assert web.client.get("/courses/1").status_code == 200


# --- every route in the URL map -------------------------------------------------------------

FIELD_NAMES = (
    "code",
    "name",
    "credits",
    "category_weights",
    "email",
    "student_id",
    "course_id",
    "assignment_id",
    "title",
    "category",
    "max_points",
    "score",
    "token",
)
QUERY_NAMES = ("page", "per_page", "course_id", "student_id", "assignment_id")
IDS = st.sampled_from([1, 2, 3, 0, 2**31, 10**30])
hostile_text = st.text(
    st.characters(categories=["L", "N", "P", "S", "Cc", "Cs", "Zs"]), max_size=30
)
# The values the review found breaking things, and their neighbours.
SPECIAL_VALUES = [
    *(HUGE, -HUGE, 2**63, 2**31, 0, -1, 1e308, -1e308, float("nan"), float("inf")),
    *(LONE_SURROGATE, "a\udfffb", "", " ", "\x00", "x" * 300, "a@b.c", True, None, [], {}),
]
SPECIAL = st.sampled_from(SPECIAL_VALUES)
hostile_scalar = st.one_of(SPECIAL, st.integers(), st.floats(), hostile_text)
hostile_json = st.recursive(
    hostile_scalar,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            hostile_text | SPECIAL.filter(lambda v: isinstance(v, str)), children, max_size=3
        )
    ),
    max_leaves=8,
)
field_value = st.one_of(SPECIAL, hostile_json)
hostile_body = st.one_of(
    # Known field names, each present or not: a route's own fields are often in the body.
    st.fixed_dictionaries({}, optional={name: field_value for name in FIELD_NAMES}).map(json.dumps),
    hostile_json.map(json.dumps),
    st.integers(1, 5000).map(lambda n: "[" * n + "]" * n),
    st.sampled_from(["", "{", "NaN", '{"score": 1e999}', '{"a": "\\udfff"}', "9" * 5000]),
)
form_text = st.text(st.characters(categories=["L", "N", "P", "S", "Cc", "Zs"]), max_size=30)
hostile_form = st.dictionaries(
    st.sampled_from(FIELD_NAMES),
    form_text | st.sampled_from(["1e400", "nan", "inf", "-0", "9" * 5000, str(2**63)]),
    max_size=4,
)


def routes(app: Flask) -> list[tuple[str, str]]:
    """(method, rule) for every route but static files, in a stable order."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, rule.rule))
    return sorted(found)


def fill(rule: str, ids: list[int]) -> str:
    parts = rule.split("/")
    it = iter(ids)
    return "/".join(str(next(it, 1)) if part.startswith("<int:") else part for part in parts)


def test_every_route_is_in_the_hostile_input_test(app: Flask) -> None:
    """Not vacuous: the URL map has the API's and the pages' routes, each fuzzed below."""
    methods = {method for method, _ in routes(app)}
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods
    assert len(routes(app)) >= 25


def write_routes(app: Flask) -> list[tuple[str, str]]:
    return [(m, r) for m, r in routes(app) if r.startswith("/api/") and m in ("POST", "PATCH")]


def special_bodies() -> list[Any]:
    """Each special value in every field at once (each field's check runs on it), and as a
    category name and a category weight."""
    bodies: list[Any] = []
    for value in SPECIAL_VALUES:
        bodies.append({name: value for name in FIELD_NAMES})
        bodies.append({"category_weights": {"hw": value}})
        if isinstance(value, str):
            bodies.append({"category_weights": {value: 1}})
    return bodies


def test_special_values_in_every_field_of_every_write_route(
    api: ApiClient, seed: dict[str, Any]
) -> None:
    """Deterministic coverage of the known-bad values; the hypothesis test below adds more."""
    app = api.client.application
    assert len(write_routes(app)) >= 9
    for method, rule in write_routes(app):
        path = fill(rule, [1, 1])
        for body in special_bodies():
            before = snapshot(app)
            response = _post_raw(api, path.removeprefix("/api/v1"), json.dumps(body), method)
            shown = f"{method} {path} {body!r:.200}"
            assert response.status_code < 500, f"{shown}: {response.status_code}"
            if response.status_code >= 400:
                assert snapshot(app) == before, f"refused {shown} changed stored data"


@settings(
    max_examples=100,
    derandomize=True,  # the same examples on every run: CI stays deterministic
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(data=st.data())
def test_hostile_input_on_any_route_is_never_a_5xx_and_a_refused_write_changes_nothing(
    web: ApiClient, seed: dict[str, Any], data: st.DataObject
) -> None:
    app = web.client.application
    method, rule = data.draw(st.sampled_from(routes(app)), label="route")
    path = fill(rule, data.draw(st.lists(IDS, min_size=2, max_size=2), label="ids"))
    query = data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), form_text, max_size=2))
    before = snapshot(app)
    if path.startswith("/api/"):
        body = data.draw(hostile_body, label="body") if method != "GET" else None
        headers = {**web.headers, "Content-Type": "application/json"}
        response = web.client.open(
            path, method=method, query_string=query, data=body, headers=headers
        )
    else:
        form = data.draw(hostile_form, label="form")
        if method == "POST" and path != "/logout":
            form["csrf_token"] = csrf_token(web.client, "/")
        response = web.client.open(path, method=method, query_string=query, data=form)
        if path in ("/logout", "/login"):
            sign_in(web.client)  # stay signed in for the next example
    assert response.status_code < 500, f"{method} {path}: {response.status_code}"
    if response.status_code >= 400 and method != "GET":
        assert snapshot(app) == before, f"refused {method} {path} changed stored data"
    if method != "GET" and response.status_code < 400:
        _every_page_renders(web.client, app)


def _every_page_renders(client: FlaskClient, app: Flask) -> None:
    """Nothing stored is something a page cannot render."""
    with app.app_context():
        course_ids = list(db.session.scalars(text("SELECT id FROM courses")))
        student_ids = list(db.session.scalars(text("SELECT id FROM students")))
    for path in [
        "/",
        *(f"/courses/{i}" for i in course_ids),
        *(f"/students/{i}" for i in student_ids),
    ]:
        assert client.get(path).status_code == 200, f"GET {path} after a stored write"
