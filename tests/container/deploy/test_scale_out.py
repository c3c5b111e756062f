"""Scenario scale-out: the Blueprint's maximum of instances behind the balancer behave as one
service: a session started on one is valid on the others, rate limits count across them, and
a grade written through one is fresh in reports read through the others."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from app.models import PLACEHOLDER_OWNER
from deploycheck.checklist.probes import CSRF_FIELD
from deploycheck.rehearse import verdicts
from deploycheck.rehearse.instances import Instance
from deploycheck.rehearse.load import REQUEST_TIMEOUT
from deploycheck.rehearse.report import RehearsalReport, ScenarioResult
from deploycheck.rehearse.stack import Stack, record
from tests.container.deploy.workload import API, api_session

pytestmark = [pytest.mark.container, pytest.mark.slow]

# Per day, so the limiter's fixed window cannot roll over during the test.
WRITE_LIMIT = 20
SCALE_ENV = {"RATELIMIT_WRITE": f"{WRITE_LIMIT} per day"}
# Limits count per client and route: what was posted to /students before the probe (the
# seeded student and the one the freshness check adds).
STUDENT_WRITES_BEFORE = 2


@dataclass
class ScaleFacts:
    session_valid_on: dict[str, bool]
    writes_accepted: int
    writes_allowed: int
    fresh_on: dict[str, bool]
    load: object


def teacher_password(stack: Stack, image: str) -> str:
    """A password for the teacher the rehearsal's token acts for (the placeholder owner that
    ``create-token`` makes on a database without teachers), set by ``create-teacher``."""
    password = secrets.token_urlsafe(16)
    command = f'printf "%s\\n" "$PASSWORD" | flask --app app create-teacher {PLACEHOLDER_OWNER}'
    code, stdout, stderr = stack.fleet.one_off(image, ["sh", "-c", command], {"PASSWORD": password})
    assert code == 0, f"create-teacher exited {code}:\n{stdout}{stderr}"
    return password


def sign_in(stack: Stack, password: str) -> str | None:
    """Sign in as the token's teacher through the balancer (form page and post may land on
    different instances); the session cookie's value, or None when the sign-in was refused."""
    page = requests.get(stack.balancer.url + "/login", timeout=REQUEST_TIMEOUT)
    match = CSRF_FIELD.search(page.text)
    assert match, f"no CSRF field on /login ({page.status_code})"
    cookie = page.cookies.get("session")
    host = urlsplit(stack.balancer.url).netloc
    response = requests.post(
        stack.balancer.url + "/login",
        data={"email": PLACEHOLDER_OWNER, "password": password, "csrf_token": match.group(1)},
        # The balancer says the scheme is https, so CSRF protection also checks the referrer.
        headers={"Cookie": f"session={cookie}", "Referer": f"https://{host}/login"},
        allow_redirects=False,
        timeout=REQUEST_TIMEOUT,
    )
    if response.status_code != 302:
        return None
    return response.cookies.get("session") or cookie


def signed_in(instance: Instance, cookie: str) -> bool:
    # The cookie is Secure; the rehearsal speaks plain HTTP on 127.0.0.1, so it is sent by hand.
    page = requests.get(
        instance.container.base_url + "/", headers={"Cookie": f"session={cookie}"}, timeout=10
    )
    return "/logout" in page.text


def summary(stack: Stack, instance: Instance) -> object:
    assert stack.workload.seeded is not None
    url = f"{instance.container.base_url}{API}/courses/{stack.workload.seeded.course_id}/summary"
    response = api_session(stack.workload.token).get(url, timeout=REQUEST_TIMEOUT)
    return response.json()


def rehearse_scale_out(
    stack: Stack, image: str, per_instance: Callable[[int], Mapping[str, str]]
) -> ScaleFacts:
    setup_output = stack.setup(image)
    password = teacher_password(stack, image)
    count = stack.target.max_instances
    instances = [
        stack.fleet.start(f"v1-{n}", image, {**SCALE_ENV, **per_instance(n)}) for n in range(count)
    ]
    for instance in instances:
        stack.route(instance)
    stack.timeline.mark(f"{count} instances healthy")
    stack.workload.prepare(stack.balancer.url, setup_output)
    seeded = stack.workload.seeded
    with stack.load(duration=6, writes=False).running() as load:
        load.wait(6)
    first, *others = instances

    cookie = sign_in(stack, password)
    session_valid_on = {i.name: cookie is not None and signed_in(i, cookie) for i in instances}
    stack.timeline.mark("signed in through the balancer")

    before = {i.name: summary(stack, i) for i in others}  # cached on each
    writer = api_session(stack.workload.token)
    base = first.container.base_url + API
    student = writer.post(
        base + "/students", json={"name": "Grace", "email": "grace@rehearsal.example"}, timeout=10
    ).json()["id"]
    writer.post(
        base + "/enrollments",
        json={"student_id": student, "course_id": seeded.course_id},
        timeout=10,
    )
    writer.post(
        base + "/grades",
        json={"student_id": student, "assignment_id": seeded.assignment_id, "score": 4},
        timeout=10,
    )
    stack.timeline.mark(f"grade written through {first.name}")
    truth = summary(stack, first)
    fresh_on = {
        name: summary(stack, i) == truth != before[name]
        for name, i in ((i.name, i) for i in others)
    }

    statuses = [
        writer.post(
            stack.balancer.url + API + "/students",
            json={"name": f"Limit {n}", "email": f"limit-{n}@rehearsal.example"},
            timeout=10,
        ).status_code
        for n in range(WRITE_LIMIT)
    ]
    stack.timeline.mark(f"{WRITE_LIMIT} writes through the balancer")
    return ScaleFacts(
        session_valid_on,
        statuses.count(201),
        WRITE_LIMIT - STUDENT_WRITES_BEFORE,
        fresh_on,
        load,
    )


@pytest.mark.scenario("scale-out")
def test_scale_out(stack: Stack, v1_image: str, rehearsal_scenario: ScenarioResult) -> None:
    facts = rehearse_scale_out(stack, v1_image, lambda n: {})
    lost = record(rehearsal_scenario, stack, facts.load)  # type: ignore[arg-type]
    served = sorted({r.instance for r in facts.load.records})  # type: ignore[attr-defined]
    rehearsal_scenario.notes.append(
        f"load answered by {served}; session valid on {facts.session_valid_on}; "
        f"{facts.writes_accepted} of {WRITE_LIMIT} writes accepted with {facts.writes_allowed} "
        f"left in the shared limit; report fresh on {facts.fresh_on}."
    )

    assert len(served) == stack.target.max_instances, served
    assert all(facts.session_valid_on.values()), facts.session_valid_on
    assert facts.writes_accepted == facts.writes_allowed
    assert all(facts.fresh_on.values()), facts.fresh_on
    assert verdicts.no_failed_requests(facts.load.records) == []  # type: ignore[attr-defined]
    assert lost == []


def test_scale_out_rejects_sessions_and_limits_kept_per_instance(
    stack: Stack, v1_image: str, rehearsal_report: RehearsalReport
) -> None:
    # Each instance with its own secret key and its own Redis database: sessions, limits and
    # the report cache kept per instance, a service scaled without shared state.
    def own_state(n: int) -> dict[str, str]:
        redis_url = stack.redis.network_url().rsplit("/", 1)[0] + f"/{n + 1}"
        return {"FLASK_SECRET_KEY": secrets.token_urlsafe(48), "REDIS_URL": redis_url}

    facts = rehearse_scale_out(stack, v1_image, own_state)

    problems = []
    if not all(facts.session_valid_on.values()):
        problems.append(f"session valid only on {facts.session_valid_on}")
    if facts.writes_accepted > facts.writes_allowed:
        problems.append(f"{facts.writes_accepted} writes accepted, {facts.writes_allowed} allowed")
    if not all(facts.fresh_on.values()):
        problems.append(f"stale reports on {facts.fresh_on}")
    assert len(problems) == 3, problems
    rehearsal_report.rejected_variants.append(
        {
            "scenario": "scale-out",
            "variant": "per-instance secret key and Redis database",
            "reason": "; ".join(problems),
        }
    )
