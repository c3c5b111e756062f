"""Which reports are cached under which keys, and when a stored one may be served.

Each course has a version token. Any write that can change a course's numbers (grades,
assignments, enrollments, students, the course itself) calls ``invalidate_course``, which
replaces the token, so every report built from that course's data is rebuilt on the next read.
Cache errors (Redis down) are logged and the report is built directly (``app.cache``).

A one-course report is stored under a key without the version, together with the version it
was built from, as the JSON body the API answers with (encoding a 30-student summary was 3% of
a cached read). A read looks the version and the report up together (``look_up``: from what the
request's rate-limit count read along, else one MGET), touches no database on a hit and
answers with the stored body. On a miss the version read then is the one stored with the new
body (``store``): a write racing with the build leaves a stale version in the entry, which the
next read rejects. A stored report proves its rows existed; a delete changes the token, so a
report of a deleted course or student is never served. An entry also names the teacher whose
course it reports on, and is served to that teacher only (``look_up``'s ``teacher_id``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app

from . import cache, report_queries, reports
from .models import Course, Student
from .report_queries import Scores

if TYPE_CHECKING:
    from flask import Response


def _version_key(course_id: int) -> str:
    return f"course-version:{course_id}"


# "report-json:", not the "report:" these entries had as pickled dicts (the GPA's still are):
# during a rolling deploy the previous release still reads its own entries, and must never find
# one of these. The body is encoded once, by the writer: a change to the JSON settings
# (app.json) needs a new prefix too, or instances would answer with two encodings.
def summary_keys(course_id: int) -> list[str]:
    """The keys of a course summary: the course's version, the stored summary."""
    return [_version_key(course_id), f"report-json:course:{course_id}"]


def student_keys(course_id: int, student_id: int) -> list[str]:
    """The keys of a student's report in a course: the course's version, the stored report."""
    return [_version_key(course_id), f"report-json:student-course:{course_id}:{student_id}"]


@dataclass(frozen=True)
class Lookup:
    """A one-course report as read: the course's version, and the body if built from it."""

    version_key: str
    key: str
    version: str | None
    body: str | None


def look_up(keys: list[str], read: Mapping[str, Any] | None = None, *, teacher_id: int) -> Lookup:
    """The version and the report of ``keys`` (``summary_keys`` or ``student_keys``), read
    once: from ``read`` (what the request read along) when it holds both, else one MGET. The
    body only if it was built for ``teacher_id``'s course (entries of releases before
    teachers name none, and are rebuilt)."""
    version_key, key = keys
    if read is not None and version_key in read and key in read:
        version, entry = read[version_key], read[key]
    else:
        version, entry = cache.get_many(keys)
    body = None
    if (
        version is not None
        and isinstance(entry, dict)
        and entry.get("version") == version
        and entry.get("teacher_id") == teacher_id
    ):
        stored = entry.get("json")
        body = stored if isinstance(stored, str) else None
    return Lookup(version_key, key, version, body)


def answer(body: str) -> Response:
    """A stored body as the API's answer."""
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


def store(lookup: Lookup, report: dict[str, Any], teacher_id: int) -> Response:
    """``report`` of a course of ``teacher_id`` as the API answers it (encoded once, exactly as
    Flask answers a dict), stored under the version ``lookup`` read (a new one when the course
    had none)."""
    version = lookup.version or _new_version(lookup.version_key)
    response = current_app.json.response(report)
    entry = {
        "version": version,
        "json": response.get_data(as_text=True),
        "teacher_id": teacher_id,
    }
    timeout = current_app.config["REPORT_CACHE_SECONDS"]
    cache.call(lambda: cache.store.set(lookup.key, entry, timeout=timeout))
    return response


def _new_version(version_key: str) -> str:
    version = uuid.uuid4().hex
    cache.call(lambda: cache.store.set(version_key, version, timeout=0))
    return version


def _versioned(
    course: Course, keys: list[str], build: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """A page's copy of a one-course report of ``course`` (the caller checked it is the
    teacher's): stored or built, decoded from the same body the API answers with, so it is
    the same (key order included) either way."""
    lookup = look_up(keys, teacher_id=course.teacher_id)
    body = lookup.body
    if body is None:
        body = store(lookup, build(), course.teacher_id).get_data(as_text=True)
    return json.loads(body)


def _course_versions(course_ids: list[int]) -> list[str]:
    """The current version of each course (one MGET), creating those that have none."""
    keys = [_version_key(course_id) for course_id in course_ids]
    versions = cache.get_many(keys)
    return [v or _new_version(k) for k, v in zip(keys, versions, strict=True)]


def invalidate_course(course_id: int) -> None:
    """Drop every cached report built from ``course_id``'s data."""
    cache.call(
        lambda: cache.store.set(_version_key(course_id), uuid.uuid4().hex, timeout=0),
        essential=True,
    )


def _cached(key: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The value stored under ``key`` (a key naming every version it depends on), else built
    and stored."""
    hit = cache.call(lambda: cache.store.get(key))
    if hit is not None:
        return hit
    value = build()
    timeout = current_app.config["REPORT_CACHE_SECONDS"]
    cache.call(lambda: cache.store.set(key, value, timeout=timeout))
    return value


def course_summary(course: Course, scores: Scores | None = None) -> dict[str, Any]:
    """The course summary for a page (``reports.course_summary``), cached."""
    keys = summary_keys(course.id)
    return _versioned(course, keys, lambda: reports.course_summary(course, scores))


def student_in_course(course: Course, student: Student) -> dict[str, Any]:
    """A student's report in a course for a page (``reports.student_in_course``), cached."""
    keys = student_keys(course.id, student.id)
    return _versioned(course, keys, lambda: reports.student_in_course(course, student))


def student_gpa(student: Student) -> dict[str, Any]:
    """A student's GPA (``reports.student_gpa``), cached under a key naming the version of
    every course it is computed from."""
    courses = report_queries.courses_of(student)
    versions = _course_versions([course.id for course in courses])
    key = f"report:gpa:{student.id}:" + ",".join(
        f"{course.id}.{version}" for course, version in zip(courses, versions, strict=True)
    )
    return _cached(key, lambda: reports.student_gpa(student, courses))
