"""Writes: the locked read a check needs, ``If-Match``, and a commit whose lost race is a 409.

``If-Match`` (RFC 9110, section 13.1.1) makes a PATCH or DELETE conditional: it goes ahead only
if the row still has one of the listed ETags (the ones GET answers), compared strongly (a weak
``W/"..."`` tag never matches); otherwise nothing changes and the answer is 412. ``*`` matches
any existing row. A missing row is a 404 with or without the header (a precondition is ignored
when the answer without it would not be 2xx). The header is optional: clients that send none
write unconditionally, as before. The ETag is compared on the row locked for the write, so two
clients holding the same ETag cannot both succeed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import current_app, request
from sqlalchemy.exc import IntegrityError
from werkzeug.http import generate_etag, parse_etags

from ..db import db, locked
from ..errors import ApiError, refused_by
from ..models import Rendered
from ..ownership import owned_row
from ..report_cache import invalidate_course
from .common import found_or_404, found_or_422, parse_body

log = logging.getLogger(__name__)
M = TypeVar("M")
UNIQUE_VIOLATION = "23505"
STALE = "The resource has changed since that ETag was issued: GET it again, then retry"


def _locked(model: type[M], object_id: int) -> M | None:
    # The current teacher's row only (owned_row also refuses ids outside 1..MAX_ID, which
    # would overflow PostgreSQL's integer); whose a row is never changes, so it is checked
    # before the lock.
    if owned_row(model, object_id) is None:
        return None
    return locked(model, object_id)  # type: ignore[type-var]


def locked_or_404(model: type[M], object_id: int) -> M:
    """The current teacher's row with ``object_id``, locked for this request's write
    (``db.locked``), or a 404."""
    return found_or_404(_locked(model, object_id), model, object_id)


def locked_or_422(model: type[M], field: str, object_id: int) -> M:
    """The row a body field refers to, locked like ``locked_or_404``, or a 422 on that field."""
    return found_or_422(_locked(model, object_id), model, field, object_id)


def check_if_match(obj: Rendered) -> None:
    """412 unless ``If-Match`` is absent, ``*``, or lists the ETag a GET of ``obj`` has now."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    etags = parse_etags(header)
    if etags.star_tag:
        return
    current = generate_etag(current_app.json.response(obj.to_dict()).get_data())
    if not etags.contains(current):
        raise ApiError(412, "precondition_failed", STALE)


def _is_duplicate(exc: IntegrityError) -> bool:
    # PostgreSQL's SQLSTATE, or SQLite's message; other violations (a foreign key whose row a
    # concurrent request deleted) go to errors.handle_conflict.
    return getattr(exc.orig, "sqlstate", None) == UNIQUE_VIOLATION or str(exc.orig).startswith(
        "UNIQUE constraint failed"
    )


@contextmanager
def _duplicates_as_409(duplicate_message: str | None) -> Iterator[None]:
    try:
        yield
    except IntegrityError as exc:
        db.session.rollback()
        if duplicate_message is None or not _is_duplicate(exc):
            raise
        log.info("duplicate refused on %s %s: %s", request.method, request.path, refused_by(exc))
        raise ApiError(409, "conflict", duplicate_message) from None


def commit(duplicate_message: str) -> None:
    """Commit, turning a unique-constraint violation into a 409 (nothing is stored)."""
    with _duplicates_as_409(duplicate_message):
        db.session.commit()


def saved(obj: Rendered, duplicate_message: str | None = None) -> dict[str, Any]:
    """``commit`` and answer ``obj`` as written: rendered before the commit, since a concurrent
    request may delete it (unenrolling cascades to grades) before it could be read back.
    Without ``duplicate_message`` every violation is errors.handle_conflict's 409."""
    with _duplicates_as_409(duplicate_message):
        db.session.flush()
        body = obj.to_dict()
        db.session.commit()
    return body


def patching(model: type[M], object_id: int) -> tuple[M, dict[str, Any]]:
    """A PATCH's row, locked for the write and checked against ``If-Match``, and its body
    (``parse_body``: the view declares it with ``accepts``)."""
    obj = locked_or_404(model, object_id)
    check_if_match(obj)  # type: ignore[arg-type]
    return obj, parse_body()


def created(obj: Rendered, duplicate_message: str | None = None) -> tuple[dict[str, Any], int]:
    """Insert ``obj`` (``saved``) and answer 201 with it; a row of a course drops the course's
    cached reports."""
    db.session.add(obj)
    body = saved(obj, duplicate_message)
    if "course_id" in body:
        invalidate_course(body["course_id"])
    return body, 201


def updated(
    obj: Rendered,
    data: dict[str, Any],
    course_ids: Iterable[int],
    duplicate_message: str | None = None,
) -> dict[str, Any]:
    """Set ``data`` on ``obj`` (locked and If-Match-checked by the caller), save it and drop
    the cached reports of ``course_ids``."""
    for name, value in data.items():
        setattr(obj, name, value)
    body = saved(obj, duplicate_message)
    for course_id in course_ids:
        invalidate_course(course_id)
    return body


def deleted(
    model: type[M], object_id: int, course_ids: Callable[[M], list[int]]
) -> tuple[str, int]:
    """Delete the row (locked, If-Match-checked) and drop the cached reports of the courses
    ``course_ids`` names for it (read before the delete cascades); 204."""
    obj = locked_or_404(model, object_id)
    check_if_match(obj)  # type: ignore[arg-type]
    affected = course_ids(obj)
    db.session.delete(obj)
    db.session.commit()
    for course_id in affected:
        invalidate_course(course_id)
    return "", 204
