"""Computed reports (student in course, course summary, student GPA), cached.

Each course has a version token. Any write that can change a course's numbers (grades,
assignments, enrollments, students, the course itself) calls ``invalidate_course``, which
replaces the token, so every report built from that course's data is recomputed on the next
read. Cache errors (Redis down) are logged and the report is computed directly.

A one-course report is stored under a key without the version, together with the version it
was built from, as the JSON body the API answers with (encoding a 30-student summary was 3% of
a cached read): ``cached_course_summary`` and ``cached_student_in_course`` read the token and
the report in one round trip, touch no database and answer with the stored body, so a cached
read costs about what a trivial route costs; an API read gets them with its token's grant, in
the round trip that counts its rate limit (``get_many``, ``app.limits.enable_read_along``). A
stored report proves its rows existed; a delete changes the token, so a report of a deleted
course or student is never served.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import redis
from flask import current_app
from flask_caching import Cache
from sqlalchemy import select

from . import grading, handoff
from .db import db
from .limits import take_read_along
from .models import Assignment, Course, Enrollment, Grade, Student
from .redis_client import RETRY_AFTER_FAILURE_SECONDS, connect

if TYPE_CHECKING:
    from flask import Flask, Response

log = logging.getLogger(__name__)
cache = Cache()
# The name the auth hook hands the view the cache values it read under (``app.handoff``).
PREFETCHED = "prefetched"


def init_app(app: Flask) -> None:
    """Cache in Redis when REDIS_URL is set, else in process memory."""
    if app.config.get("REDIS_URL"):
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_HOST", connect(app.config["REDIS_URL"]))
    else:
        app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("CACHE_KEY_PREFIX", "gradetracker:")
    cache.init_app(app)


def cache_is_shared() -> bool:
    """Whether the cache is Redis, which every instance and worker sees, not process memory."""
    return current_app.config["CACHE_TYPE"] == "RedisCache"


def redis_client(app: Flask) -> redis.Redis | None:
    """The client the cache reads through, when it is a Redis client the config gave flask-caching
    (``init_app``'s for REDIS_URL); None for any other cache, or one configured by URL."""
    client = app.config.get("CACHE_REDIS_HOST")
    if app.config["CACHE_TYPE"] != "RedisCache" or "CACHE_REDIS_URL" in app.config:
        return None
    return client if isinstance(client, redis.Redis) else None


def redis_keys(keys: list[str]) -> list[str]:
    """The Redis names of cache ``keys`` (the cache's prefix added)."""
    prefix = current_app.config["CACHE_KEY_PREFIX"]
    return [f"{prefix}{key}" for key in keys]


def get_many(keys: list[str]) -> list[Any]:
    """The cached values of ``keys``: those the request's rate-limit count read along when it
    read them all, else one MGET now (all None when the cache fails)."""
    raw = take_read_along(redis_keys(keys))
    if raw is not None:
        loads = cache.cache.serializer.loads
        # Through call_cache as the MGET's decoding is: a corrupt value reads as a miss.
        return call_cache(lambda: [loads(value) for value in raw], [None] * len(keys))
    return call_cache(lambda: cache.get_many(*keys), [None] * len(keys))


# After a cache failure, optional cache calls are skipped for RETRY_AFTER_FAILURE_SECONDS: a
# request makes several, and during an outage each would otherwise wait out the socket
# timeout, turning one slow answer into a hang. Invalidations are never skipped (a skipped one
# would serve stale reports once Redis answers again). The state is the app's, so one per worker.


def call_cache(
    operation: Callable[[], Any], default: Any = None, *, essential: bool = False
) -> Any:
    """``operation``'s result, or ``default`` (logged) when the cache backend fails, or, unless
    ``essential``, when it failed less than ``RETRY_AFTER_FAILURE_SECONDS`` ago."""
    state = current_app.extensions.setdefault("report_cache_health", {"skip_until": 0.0})
    if not essential and time.monotonic() < state["skip_until"]:
        return default
    try:
        return operation()
    except Exception as exc:  # any backend failure must degrade to "not cached"
        state["skip_until"] = time.monotonic() + RETRY_AFTER_FAILURE_SECONDS
        log.warning("report cache unavailable: %s", type(exc).__name__)
        return default


def _course_versions(course_ids: list[int]) -> list[str]:
    keys = [_course_version_key(course_id) for course_id in course_ids]
    versions = call_cache(lambda: cache.get_many(*keys), [None] * len(keys))
    result = []
    for key, version in zip(keys, versions, strict=True):
        if version is None:
            version = uuid.uuid4().hex
            call_cache(lambda k=key, v=version: cache.set(k, v, timeout=0))
        result.append(version)
    return result


def invalidate_course(course_id: int) -> None:
    """Drop every cached report built from ``course_id``'s data."""
    call_cache(
        lambda: cache.set(_course_version_key(course_id), uuid.uuid4().hex, timeout=0),
        essential=True,
    )


def _course_version_key(course_id: int) -> str:
    return f"course-version:{course_id}"


def cached_read_keys(endpoint: str | None, view_args: dict[str, Any] | None) -> list[str]:
    """The cache keys a cached read of API ``endpoint`` needs: its course version, its report.

    The auth hook reads them with the token's grant (``security.authenticate``, usually read
    along with the rate-limit count, see ``get_many``); any other endpoint needs none.
    """
    args = view_args or {}
    if endpoint == "reports.course_summary":
        return [_course_version_key(args["course_id"]), _summary_key(args["course_id"])]
    if endpoint == "reports.student_in_course":
        course_id = args["course_id"]
        return [_course_version_key(course_id), _student_key(course_id, args["student_id"])]
    return []


def _versioned_hit(course_id: int, key: str) -> str | None:
    """The JSON body stored under ``key`` if it was built from the course's current version."""
    version_key = _course_version_key(course_id)
    prefetched = handoff.take(PREFETCHED) or {}
    if version_key in prefetched and key in prefetched:
        version, entry = prefetched[version_key], prefetched[key]
    else:
        version, entry = call_cache(lambda: cache.get_many(version_key, key), [None, None])
    if version is None or not isinstance(entry, dict) or entry.get("version") != version:
        return None
    body = entry.get("json")
    return body if isinstance(body, str) else None


def _json_response(body: str) -> Response:
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


def _versioned(course_id: int, key: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The report as the API answers it, decoded: the same (key order included) whether it
    was stored or has just been built."""
    body = _versioned_hit(course_id, key)
    if body is None:
        # The version is read before building: a write racing with the build leaves a stale
        # version in the entry, which the next read rejects.
        (version,) = _course_versions([course_id])
        # Exactly the body Flask answers a returned dict with (separators, key order, newline).
        body = current_app.json.response(build()).get_data(as_text=True)
        timeout = current_app.config["REPORT_CACHE_SECONDS"]
        entry = {"version": version, "json": body}
        call_cache(lambda: cache.set(key, entry, timeout=timeout))
    return json.loads(body)


def _cached(key: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    hit = call_cache(lambda: cache.get(key))
    if hit is not None:
        return hit
    value = build()
    timeout = current_app.config["REPORT_CACHE_SECONDS"]
    call_cache(lambda: cache.set(key, value, timeout=timeout))
    return value


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


Scores = dict[tuple[int, int], float]


def course_scores(course: Course, student_ids: list[int] | None = None) -> Scores:
    """``(student_id, assignment_id) -> score`` for ``course``, in one statement.

    Plain tuples through the Core connection: 6000 cells as ORM rows (or ``Grade`` objects)
    were most of a 300-student gradebook's time.
    """
    statement = (
        select(Grade.student_id, Grade.assignment_id, Grade.score)
        .join(Assignment)
        .where(Assignment.course_id == course.id)
    )
    if student_ids is not None:
        statement = statement.where(Grade.student_id.in_(student_ids))
    rows = db.session.connection().execute(statement)
    return {(student_id, assignment_id): score for student_id, assignment_id, score in rows}


def _course_results(
    course: Course, student_ids: list[int], scores: Scores | None = None
) -> dict[int, grading.CourseResult]:
    """Each student's result in ``course`` from one query over the course's grades (or from
    ``scores`` when the caller already read them).

    One statement whatever the class size: a query per student made the course summary cost
    603 statements for 300 students.
    """
    if scores is None:
        scores = course_scores(course, student_ids)
    weights = course.category_weights or {}
    assignments = course.assignments
    columns = [(a.category, a.max_points) for a in assignments]
    ids = [a.id for a in assignments]
    return {
        student_id: grading.course_result_of(
            columns, [scores.get((student_id, a_id)) for a_id in ids], weights
        )
        for student_id in student_ids
    }


def _student_result(course: Course, student_id: int) -> grading.CourseResult:
    return _course_results(course, [student_id])[student_id]


def roster(course: Course) -> list[tuple[int, str]]:
    """``(student_id, name)`` of the enrolled students by name, in one query."""
    rows = db.session.execute(
        select(Student.id, Student.name)
        .join(Enrollment)
        .where(Enrollment.course_id == course.id)
        .order_by(Enrollment.id)
    )
    # Sorted here, not in SQL: PostgreSQL's collation and SQLite's byte order disagree on case
    # and accents, and the page must list students the same way on both.
    return sorted(((student_id, name) for student_id, name in rows), key=lambda row: row[1])


def _result_dict(result: grading.CourseResult) -> dict[str, Any]:
    return {
        "percentage": _round(result.percentage),
        "letter": result.letter,
        "graded_assignments": result.graded,
        "ungraded_assignments": result.ungraded,
        "categories": {
            name: {
                "percentage": _round(c.percentage),
                "earned": c.earned,
                "possible": c.possible,
                "weight": c.weight,
                "effective_weight": round(c.effective_weight, 4),
            }
            for name, c in result.categories.items()
        },
    }


# "report-json:", not the "report:" these entries had as pickled dicts (the GPA's still are):
# during a rolling deploy the previous release still reads its own entries, and must never find
# one of these. The body is encoded once, by the writer: a change to the JSON settings
# (app.json) needs a new prefix too, or instances would answer with two encodings.
def _student_key(course_id: int, student_id: int) -> str:
    return f"report-json:student-course:{course_id}:{student_id}"


def _summary_key(course_id: int) -> str:
    return f"report-json:course:{course_id}"


def cached_student_in_course(course_id: int, student_id: int) -> Response | None:
    """The current cached report of a student in a course as the API's answer, or None (no
    database access)."""
    body = _versioned_hit(course_id, _student_key(course_id, student_id))
    return None if body is None else _json_response(body)


def cached_course_summary(course_id: int) -> Response | None:
    """The current cached summary of a course as the API's answer, or None (no database
    access)."""
    body = _versioned_hit(course_id, _summary_key(course_id))
    return None if body is None else _json_response(body)


def student_in_course(course: Course, student: Student) -> dict[str, Any]:
    """One student's percentage, letter and category breakdown in ``course``."""

    def build() -> dict[str, Any]:
        result = _result_dict(_student_result(course, student.id))
        return {"course_id": course.id, "student_id": student.id, **result}

    return _versioned(course.id, _student_key(course.id, student.id), build)


def course_summary(course: Course, scores: Scores | None = None) -> dict[str, Any]:
    """Per-student results plus class average, median, range and letter distribution.

    ``scores`` (every grade of the course, ``course_scores``) spares a rebuild reading them
    again when the caller has them already, as the gradebook page does.
    """

    def build() -> dict[str, Any]:
        enrolled = roster(course)
        results = _course_results(course, [student_id for student_id, _ in enrolled], scores)
        students = [
            {
                "student_id": student_id,
                "name": name,
                "percentage": _round(results[student_id].percentage),
                "letter": results[student_id].letter,
            }
            for student_id, name in enrolled
        ]
        summary = grading.summarize(row["percentage"] for row in students)
        return {
            "course": course.to_dict(),
            "students": students,
            "average": _round(summary.average),
            "median": _round(summary.median),
            "highest": _round(summary.highest),
            "lowest": _round(summary.lowest),
            "distribution": summary.distribution,
            "graded_students": summary.graded_students,
            "ungraded_students": summary.ungraded_students,
        }

    return _versioned(course.id, _summary_key(course.id), build)


def student_gpa(student: Student) -> dict[str, Any]:
    """Letters in each enrolled course and the credit-weighted GPA."""
    courses = db.session.scalars(
        select(Course)
        .join(Enrollment)
        .where(Enrollment.student_id == student.id)
        .order_by(Course.code)
    ).all()
    versions = _course_versions([course.id for course in courses])
    key = f"report:gpa:{student.id}:" + ",".join(
        f"{course.id}.{version}" for course, version in zip(courses, versions, strict=True)
    )

    def build() -> dict[str, Any]:
        rows = []
        for course in courses:
            result = _student_result(course, student.id)
            rows.append(
                {
                    "course_id": course.id,
                    "code": course.code,
                    "credits": course.credits,
                    "percentage": _round(result.percentage),
                    "letter": result.letter,
                }
            )
        value = grading.gpa((row["credits"], row["letter"]) for row in rows)
        return {"student_id": student.id, "courses": rows, "gpa": _round(value)}

    return _cached(key, build)
