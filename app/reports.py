"""The reports, computed: a student in a course, a course summary, a student's GPA, shaped as
the API answers them. Nothing here caches (``app.report_cache``) or answers HTTP (``app.api``)."""

from __future__ import annotations

from typing import Any

from . import grading
from .models import Course, Student
from .report_queries import Scores, course_scores, roster


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def course_results(
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


def student_in_course(course: Course, student: Student) -> dict[str, Any]:
    """One student's percentage, letter and category breakdown in ``course``."""
    result = course_results(course, [student.id])[student.id]
    return {"course_id": course.id, "student_id": student.id, **_result_dict(result)}


def course_summary(course: Course, scores: Scores | None = None) -> dict[str, Any]:
    """Per-student results plus class average, median, range and letter distribution.

    ``scores`` (every grade of the course, ``course_scores``) spares reading them again when
    the caller has them already, as the gradebook page does.
    """
    enrolled = roster(course)
    results = course_results(course, [student_id for student_id, _ in enrolled], scores)
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


def student_gpa(student: Student, courses: list[Course]) -> dict[str, Any]:
    """Letters in each of ``courses`` (the student's) and the credit-weighted GPA."""
    rows = []
    for course in courses:
        result = course_results(course, [student.id])[student.id]
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
