"""The gradebook as CSV, for a spreadsheet.

A name or title a student or teacher typed may start like a formula (``=HYPERLINK(...)``,
``+cmd|...``); a spreadsheet opening the file would run it. Every cell that starts with one of
OWASP's trigger characters (=, +, -, @, tab, carriage return) gets a leading apostrophe, which
makes the spreadsheet read it as text, and every cell is quoted
(https://owasp.org/www-community/attacks/CSV_Injection). Scores and percentages are never
negative, so no number is changed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response
from sqlalchemy import select
from werkzeug.utils import secure_filename

from .. import report_cache, report_queries
from ..db import db
from ..models import Enrollment, Student
from ..ownership import course_or_404
from ..web import login_required

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a CSV file as the machine's legacy code page unless it starts with a BOM.
BOM = "\ufeff"

bp = Blueprint("export_pages", __name__)


def neutralised(value: Any) -> str:
    """``value`` as a cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """``rows`` as CSV (RFC 4180 line ends, every cell quoted and neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerows([neutralised(value) for value in row] for row in rows)
    return BOM + buffer.getvalue()


@bp.get("/courses/<int:course_id>/grades.csv")
@login_required
def export_gradebook(course_id: int) -> Response:
    """One row per student as the gradebook shows them: each assignment's score (blank while
    ungraded), then the percentage and the letter."""
    course = course_or_404(course_id)
    assignments = course.assignments
    scores = report_queries.course_scores(course)
    summary = report_cache.course_summary(course, scores)
    emails = {
        student_id: email
        for student_id, email in db.session.execute(
            select(Student.id, Student.email)
            .join(Enrollment)
            .where(Enrollment.course_id == course.id)
        )
    }
    header = [
        "Student",
        "Email",
        *(f"{a.title} ({a.category}, out of {a.max_points:g})" for a in assignments),
        "Percentage",
        "Letter",
    ]
    rows = [
        [
            row["name"],
            emails.get(row["student_id"]),
            *(scores.get((row["student_id"], a.id)) for a in assignments),
            row["percentage"],
            row["letter"],
        ]
        for row in summary["students"]
    ]
    response = Response(csv_text([header, *rows]), mimetype="text/csv")
    name = secure_filename(course.code) or f"course-{course.id}"
    response.headers.set("Content-Disposition", "attachment", filename=f"{name}-grades.csv")
    return response
