"""gunicorn serves the app as render.yaml describes: gthread workers sized from the
environment, bound to $PORT, static files cacheable, the API working end to end."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from deploycheck.targets.image import Image
from deploycheck.testing.container import AppContainer, AppEnv, running_app

pytestmark = pytest.mark.container

TUNED_PORT = 8080
DEFAULT_WORKERS = 2  # app.config.DEFAULT_WORKERS, what render.yaml sets too
TUNED_WORKERS = 3


@pytest.fixture(scope="module")
def tuned_container(app_image: Image, migrated_env: AppEnv) -> Iterator[AppContainer]:
    """The app with WEB_CONCURRENCY=3 and PORT=8080, as a Render dashboard could set them."""
    container = migrated_env.container(app_image.ref, port=TUNED_PORT)
    container.with_env("WEB_CONCURRENCY", str(TUNED_WORKERS))
    with running_app(container):
        yield container


class Api:
    """The JSON API of a running container, called with a bearer token."""

    def __init__(self, session: requests.Session, base_url: str, token: str) -> None:
        self.session = session
        self.base_url = f"{base_url}/api/v1"
        self.session.headers["Authorization"] = f"Bearer {token}"

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.session.post(self.base_url + path, json=body, timeout=10)
        assert response.status_code == 201, (
            f"expected POST {path} {body} to answer 201, got {response.status_code}: "
            f"{response.text}"
        )
        return response.json()

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=10)


def test_gunicorn_runs_two_gthread_workers_by_default(app_container: AppContainer) -> None:
    workers = app_container.gunicorn_workers()
    assert len(workers) == DEFAULT_WORKERS, (
        f"expected gunicorn's master plus {DEFAULT_WORKERS} workers in {app_container.image}, "
        f"found {len(workers)} workers: {[w.command for w in workers]}"
    )
    used = "Using worker: app.worker.BufferingWorker"
    assert used in app_container.logs_text(), (
        f"expected gunicorn to log {used!r} (gthread reading requests whole, app/worker.py), "
        "found another worker class in the logs"
    )


def test_web_concurrency_sets_the_worker_count(tuned_container: AppContainer) -> None:
    workers = tuned_container.gunicorn_workers()
    assert len(workers) == TUNED_WORKERS, (
        f"expected WEB_CONCURRENCY={TUNED_WORKERS} to give {TUNED_WORKERS} gunicorn workers, "
        f"found {len(workers)}"
    )


def test_port_variable_moves_the_listener(tuned_container: AppContainer) -> None:
    listening = f"Listening at: http://0.0.0.0:{TUNED_PORT}"
    assert listening in tuned_container.logs_text(), (
        f"expected PORT={TUNED_PORT} to make gunicorn log {listening!r}, found otherwise"
    )
    response = requests.get(f"{tuned_container.base_url}/health", timeout=10)
    assert response.status_code == 200, (
        f"expected /health on container port {TUNED_PORT} to answer 200, got {response.status_code}"
    )


@pytest.mark.parametrize("path", ["/static/style.css", "/static/app.js"])
def test_static_files_are_cacheable_for_an_hour(app_container: AppContainer, path: str) -> None:
    response = requests.get(app_container.base_url + path, timeout=10)
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    assert (response.status_code, directives) == (200, {"public", "max-age=3600"}), (
        f"expected GET {path} to answer 200 with Cache-Control: public, max-age=3600, got "
        f"{response.status_code} with {response.headers.get('Cache-Control')!r}"
    )


def test_api_flow_reports_the_weighted_percentage(app_container: AppContainer) -> None:
    suffix = secrets.token_hex(4)
    name = f"ci-{suffix}"
    code, (stdout, stderr) = app_container.get_wrapped_container().exec_run(
        ["flask", "create-token", name], demux=True
    )
    assert code == 0, f"expected `flask create-token {name}` to exit 0, got {code}: {stderr!r}"
    with requests.Session() as session:
        api = Api(session, app_container.base_url, stdout.decode().strip())
        report = create_graded_student_report(api, suffix)
    assert report == (200, 84.0, "B"), (
        f"expected the report to answer 200 with 84.0 % (B), got (status, percentage, letter) "
        f"{report}"
    )


def create_graded_student_report(api: Api, suffix: str) -> tuple[int, object, object]:
    """Create a course weighted homework 40 / exams 60, one enrolled student and her grades
    through the API, then fetch her report: (status, percentage, letter)."""
    weights = {"homework": 40, "exams": 60}
    course = api.create(
        "/courses",
        {"code": f"MATH-{suffix}", "name": "Calculus", "credits": 4, "category_weights": weights},
    )
    ada = api.create("/students", {"name": "Ada", "email": f"ada-{suffix}@example.com"})
    api.create("/enrollments", {"student_id": ada["id"], "course_id": course["id"]})
    # Homework 18/20 + 9/10 = 90 %, exam 80/100: 0.4 * 90 + 0.6 * 80 = 84.0, a B.
    for title, category, max_points, score in (
        ("HW1", "homework", 20, 18),
        ("HW2", "homework", 10, 9),
        ("Midterm", "exams", 100, 80),
    ):
        assignment = api.create(
            "/assignments",
            {
                "course_id": course["id"],
                "title": title,
                "category": category,
                "max_points": max_points,
            },
        )
        api.create(
            "/grades", {"student_id": ada["id"], "assignment_id": assignment["id"], "score": score}
        )
    response = api.get(f"/courses/{course['id']}/students/{ada['id']}/report")
    body = response.json()
    return response.status_code, body.get("percentage"), body.get("letter")
