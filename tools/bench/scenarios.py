"""What the benchmark sends: the endpoints, the mix, the gunicorn configurations."""

from __future__ import annotations

from dataclasses import dataclass

from tools.bench.seeding import SeededCourse
from tools.bench.wrk import Load

API = "/api/v1"


@dataclass(frozen=True)
class Endpoint:
    """One row of the report: its name, what wrk sends, and for an uncached read the course
    whose report version is dropped continuously during the run, so every read misses."""

    name: str
    load: Load
    uncached_course: int | None = None


@dataclass(frozen=True)
class Credentials:
    """A bearer token on every request (API reads may need it) and a signed-in session."""

    token: str
    cookie: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Cookie": self.cookie}


def endpoints(course: SeededCourse, grade_id: int, auth: Credentials) -> list[Endpoint]:
    """The issue's list, on the 30-student course; reports rotate over ten students."""
    headers = auth.headers
    cid = course.course_id
    students = course.student_ids[:10]
    summary = f"{API}/courses/{cid}/summary"
    reports = [f"{API}/courses/{cid}/students/{s}/report" for s in students]
    json_headers = {**headers, "Content-Type": "application/json"}
    return [
        Endpoint("static file", Load(["/static/style.css"], headers=headers)),
        Endpoint("/health", Load(["/health"], headers=headers)),
        Endpoint(
            "API list (100 grades)",
            Load([f"{API}/grades?course_id={cid}&per_page=100"], headers=headers),
        ),
        Endpoint("course summary, cached", Load([summary], headers=headers)),
        Endpoint("course summary, uncached", Load([summary], headers=headers), cid),
        Endpoint("student report, cached", Load(reports, headers=headers)),
        Endpoint("student report, uncached", Load(reports, headers=headers), cid),
        Endpoint("gradebook page (30 students)", Load([f"/courses/{cid}"], headers=headers)),
        Endpoint(
            "grade write (PATCH)",
            Load(
                [f"{API}/grades/{grade_id}"],
                method="PATCH",
                body='{"score": 7.5}',
                headers=json_headers,
            ),
        ),
    ]


def mix(course: SeededCourse, auth: Credentials) -> Load:
    """A plausible read-heavy blend: pages, cached reports, a list, assets and probes."""
    cid = course.course_id
    reports = [f"{API}/courses/{cid}/students/{s}/report" for s in course.student_ids[:4]]
    paths = [
        "/static/style.css",
        "/static/app.js",
        "/health",
        f"{API}/courses/{cid}/summary",
        *reports,
        f"{API}/grades?course_id={cid}&per_page=100",
        f"/courses/{cid}",
        f"/students/{course.student_ids[0]}",
    ]
    return Load(paths, headers=auth.headers)


CURRENT_CONFIG = "gthread, 2 workers x 4 threads (gunicorn.conf.py)"
# (name, GUNICORN_CMD_ARGS): flags layered over gunicorn.conf.py (WEB_CONCURRENCY=2 from
# render.yaml gives the worker count where no --workers flag is given).
CONFIGS = [
    (CURRENT_CONFIG, ""),
    ("gevent, 3 workers x 1000 connections (seed)", "--worker-class gevent --workers 3"),
    ("gevent, 2 workers x 1000 connections", "--worker-class gevent --workers 2"),
    ("sync, 2 workers", "--worker-class sync --workers 2"),
    ("sync, 3 workers", "--worker-class sync --workers 3"),
    ("gthread, 3 workers x 4 threads", "--worker-class gthread --workers 3 --threads 4"),
]
