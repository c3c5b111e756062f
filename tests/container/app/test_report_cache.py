"""The report cache lives in the real Redis: reports are served from it, and a grade change
made through the API moves the course's version, so the entry stored under the report's key
(which records the version it was built from) is rejected and rebuilt in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
import redis
from flask import Flask

from tests.app_helpers import ApiClient
from tests.container.app.support import CACHE_PREFIX, redis_keys

pytestmark = pytest.mark.container

School = dict[str, dict[str, Any]]
REPORT_CACHE_SECONDS = 300  # create_app's default


def report_path(school: School) -> str:
    return f"/courses/{school['math']['id']}/students/{school['ada']['id']}/report"


def report_keys(redis_client: redis.Redis, school: School) -> set[str]:
    key = f"{CACHE_PREFIX}report-json:student-course:{school['math']['id']}:{school['ada']['id']}"
    return {found for found in redis_keys(redis_client, key) if found == key}


def course_version(redis_client: redis.Redis, school: School) -> bytes | None:
    return redis_client.get(f"{CACHE_PREFIX}course-version:{school['math']['id']}")


def test_report_lands_in_redis_with_the_cache_timeout(
    api: ApiClient, school: School, redis_client: redis.Redis
) -> None:
    assert report_keys(redis_client, school) == set()

    api.read(report_path(school))

    (key,) = report_keys(redis_client, school)
    assert 0 < redis_client.ttl(key) <= REPORT_CACHE_SECONDS
    # The version token has no expiry: losing it early would only cost a rebuild, but an
    # expiring one would make every cached report unreachable at once.
    assert redis_client.ttl(f"{CACHE_PREFIX}course-version:{school['math']['id']}") == -1


def test_report_is_served_from_redis_until_its_key_goes(
    api: ApiClient, school: School, redis_client: redis.Redis, pg_conn: psycopg.Connection[Any]
) -> None:
    assert api.read(report_path(school))["percentage"] == 84.0
    # Behind the app's back, so nothing invalidates the cache: Ada's midterm 80 -> 100.
    pg_conn.execute("UPDATE grades SET score = 100 WHERE id = %s", (school["ada-Midterm"]["id"],))

    cached = api.read(report_path(school))["percentage"]
    redis_client.delete(*report_keys(redis_client, school))
    rebuilt = api.read(report_path(school))["percentage"]

    assert cached == 84.0
    # 0.4 * 90 (homework) + 0.6 * 100 (exams).
    assert rebuilt == 96.0


def test_grade_change_invalidates_the_cached_report(
    api: ApiClient, school: School, redis_client: redis.Redis
) -> None:
    assert api.read(report_path(school))["percentage"] == 84.0
    (key,) = report_keys(redis_client, school)
    old_entry = redis_client.get(key)
    old_version = course_version(redis_client, school)

    response = api.patch(f"/grades/{school['ada-Midterm']['id']}", {"score": 50})
    assert response.status_code == 200, response.get_json()
    report = api.read(report_path(school))

    # 0.4 * 90 (homework) + 0.6 * 50 (exams) = 66.
    assert (report["percentage"], report["letter"]) == (66.0, "D")
    assert course_version(redis_client, school) not in (None, old_version)
    # The rebuilt report replaced the stale entry under the same key.
    assert report_keys(redis_client, school) == {key}
    assert redis_client.get(key) not in (None, old_entry)


def test_a_write_through_one_instance_is_read_by_every_other(
    api: ApiClient, school: School, make_app: Callable[..., Flask]
) -> None:
    """Two app instances (as Render's 1-3, or gunicorn's workers) on the same Redis: a report
    cached by one is rebuilt by both after a grade change made through the other."""
    other = ApiClient(make_app().test_client(), api.token)
    assert other.read(report_path(school))["percentage"] == 84.0  # cached by `other`
    assert api.read(report_path(school))["percentage"] == 84.0

    response = api.patch(f"/grades/{school['ada-Midterm']['id']}", {"score": 50})
    assert response.status_code == 200, response.get_json()

    assert other.read(report_path(school))["percentage"] == 66.0
    assert api.read(report_path(school))["percentage"] == 66.0
