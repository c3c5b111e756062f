"""Pages for running a course, beside the gradebook (``app.web``): create and edit a course and
its category weights, add assignments, enroll and unenroll students, record and correct grades,
delete with a confirmation, export the gradebook as CSV.

Plain forms that work without a script. What is valid is the API's own rules
(``pages.checks``), and writes go through the API's write helpers (``api.writes``): a page and
the API refuse the same things and invalidate the same cached reports. Every course and student
is looked up through ``app.ownership``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import blueprints, limits
from ..auth import load_sign_in
from . import assignments, courses, export, grades, roster

if TYPE_CHECKING:
    from flask import Flask

BLUEPRINTS = (courses.bp, assignments.bp, roster.bp, grades.bp, export.bp)


def init_app(app: Flask) -> None:
    """Register the pages on ``app`` as ``app.web`` is: each request loads its sign-in first;
    the forms' posts get the write limit (CSRF is checked app-wide)."""
    for bp in BLUEPRINTS:
        blueprints.register(app, bp, before_request=[load_sign_in])
        limits.write_limit(app, bp)
