"""Another teacher reads none of a teacher's records on the production app over the real
PostgreSQL and Redis: the checklist's ownership probe with the reports in Redis first (the
cached read answers from Redis without the database, so it must check whose the report is), and
the pages of a second teacher signed in with a password."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from flask import Flask

from deploycheck.checklist.http_targets import FlaskTarget
from deploycheck.checklist.probes import check_reads_owned
from deploycheck.testing.assertions import assert_clean
from tests.app_helpers import ApiClient, sign_in
from tests.container.app.support import CACHE_PREFIX, teacher_token

pytestmark = pytest.mark.container

School = dict[str, dict[str, Any]]
OTHER = "other@example.com"


@pytest.fixture
def other_token(app: Flask, token: str) -> str:
    """A token of a second teacher (after the first one's), made with the CLI."""
    return teacher_token(app, "other", OTHER)


def records(school: School) -> list[str]:
    math, ada = school["math"]["id"], school["ada"]["id"]
    return [
        f"/api/v1/courses/{math}",
        f"/api/v1/courses/{math}/summary",
        f"/api/v1/courses/{math}/students/{ada}/report",
        f"/api/v1/students/{ada}",
        f"/api/v1/students/{ada}/gpa",
        f"/api/v1/assignments/{school['HW1']['id']}",
        f"/api/v1/enrollments/{school['ada-math']['id']}",
        f"/api/v1/grades/{school['ada-HW1']['id']}",
    ]


@pytest.mark.checklist(10)
def test_another_teacher_reads_none_of_the_records_cached_reports_included(
    app: Flask, api: ApiClient, school: School, other_token: str, redis_client: redis.Redis
) -> None:
    findings = check_reads_owned(
        FlaskTarget(app.test_client(), "app(production)"), records(school), api.token, other_token
    )
    assert_clean(findings, "another teacher's reads")
    # The owner's reads stored the reports: the second teacher was refused a cached read.
    summary = f"{CACHE_PREFIX}report-json:course:{school['math']['id']}"
    assert redis_client.exists(summary)


@pytest.mark.checklist(10)
def test_another_teachers_pages_show_none_of_the_records(
    app: Flask, school: School, other_token: str
) -> None:
    browser = app.test_client()
    assert sign_in(browser, OTHER).status_code == 302
    index = browser.get("/")
    assert index.status_code == 200
    assert not [name for name in ("MATH101", "HIST200", "Ada", "Bob") if name in index.text]
    assert browser.get(f"/courses/{school['math']['id']}").status_code == 404
    assert browser.get(f"/students/{school['ada']['id']}").status_code == 404
