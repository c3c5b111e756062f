"""Grading rules: pure functions with no Flask or database imports.

Rules (also documented in docs/app.md):

1. A score lies in ``[0, max_points]``; there is no extra credit.
2. An ungraded assignment (no score yet) is left out: it counts neither as zero nor towards
   the points possible.
3. Within a category, the percentage is points earned over points possible across its graded
   assignments.
4. A course with category weights combines the category percentages by weight. Categories with
   no graded work drop out and the remaining weights are renormalised to sum to 1. A course
   without weights pools every graded assignment by points.
5. With no graded work at all the percentage and the letter are ``None`` ("not graded yet").
6. Letters come from the percentage rounded to two decimals: A >= 90, B >= 80, C >= 70,
   D >= 60, else F; grade points 4, 3, 2, 1, 0.
7. GPA is the credit-weighted mean of grade points over courses that have a letter.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

LETTER_THRESHOLDS = (("A", 90.0), ("B", 80.0), ("C", 70.0), ("D", 60.0), ("F", 0.0))
GRADE_POINTS = {"A": 4.0, "B": 3.0, "C": 2.0, "D": 1.0, "F": 0.0}
POOLED = "all"


@dataclass(frozen=True)
class Item:
    """One assignment as seen by one student; ``score`` is None while ungraded."""

    category: str
    max_points: float
    score: float | None = None


@dataclass(frozen=True)
class CategoryResult:
    earned: float
    possible: float
    weight: float
    effective_weight: float

    @property
    def percentage(self) -> float:
        return 100.0 * self.earned / self.possible


@dataclass(frozen=True)
class CourseResult:
    """A student's standing in one course."""

    percentage: float | None
    letter: str | None
    categories: dict[str, CategoryResult] = field(default_factory=dict)
    graded: int = 0
    ungraded: int = 0


def validate_score(score: float, max_points: float) -> None:
    """Raise ``ValueError`` unless ``0 <= score <= max_points`` (rule 1)."""
    if not 0 <= score <= max_points:
        raise ValueError(f"score must be between 0 and {max_points:g}")


def letter_grade(percentage: float | None) -> str | None:
    """Map a percentage to a letter (rule 6); ``None`` stays ``None``."""
    return None if percentage is None else _letter(percentage)


def _letter(percentage: float) -> str:
    rounded = round(percentage, 2)
    return next(letter for letter, floor in LETTER_THRESHOLDS if rounded >= floor)


def course_result(items: Iterable[Item], weights: Mapping[str, float]) -> CourseResult:
    """Apply rules 2-6 to a student's assignments in a course."""
    items = list(items)
    return course_result_of(
        [(item.category, item.max_points) for item in items],
        [item.score for item in items],
        weights,
    )


def course_result_of(
    columns: Sequence[tuple[str, float]],
    scores: Sequence[float | None],
    weights: Mapping[str, float],
) -> CourseResult:
    """``course_result`` for one student given the course's ``(category, max_points)`` per
    assignment and the student's score per assignment in the same order: a 300-student summary
    builds no ``Item`` per cell."""
    totals: dict[str, list[float]] = {}
    graded = 0
    for (category, max_points), score in zip(columns, scores, strict=True):
        if score is None:
            continue
        graded += 1
        bucket = category if weights else POOLED
        pair = totals.get(bucket)
        if pair is None:
            totals[bucket] = [0.0 + float(score), 0.0 + max_points]
        else:
            pair[0] += float(score)
            pair[1] += max_points
    totals = {name: pair for name, pair in totals.items() if pair[1] > 0}
    raw_weights = {name: float(weights.get(name, 0)) if weights else 1.0 for name in totals}
    weight_sum = sum(raw_weights.values())
    categories = {
        name: CategoryResult(
            earned=earned,
            possible=possible,
            weight=raw_weights[name],
            effective_weight=raw_weights[name] / weight_sum if weight_sum else 0.0,
        )
        for name, (earned, possible) in totals.items()
    }
    percentage = None
    if weight_sum > 0:
        percentage = sum(c.percentage * c.effective_weight for c in categories.values())
    return CourseResult(
        percentage=percentage,
        letter=letter_grade(percentage),
        categories=categories,
        graded=graded,
        ungraded=len(scores) - graded,
    )


def gpa(courses: Iterable[tuple[float, str | None]]) -> float | None:
    """Credit-weighted grade point average of ``(credits, letter)`` pairs (rule 7)."""
    counted = [(credits, GRADE_POINTS[letter]) for credits, letter in courses if letter]
    total_credits = sum(credits for credits, _ in counted)
    if total_credits <= 0:
        return None
    return sum(credits * points for credits, points in counted) / total_credits


@dataclass(frozen=True)
class Summary:
    """Class statistics over the students who have a percentage."""

    average: float | None
    median: float | None
    highest: float | None
    lowest: float | None
    distribution: dict[str, int]
    graded_students: int
    ungraded_students: int


def summarize(percentages: Iterable[float | None]) -> Summary:
    """Average, median, range and letter distribution; ungraded students are only counted."""
    values = list(percentages)
    graded = [value for value in values if value is not None]
    distribution = {letter: 0 for letter, _ in LETTER_THRESHOLDS}
    for value in graded:
        distribution[_letter(value)] += 1
    return Summary(
        average=statistics.fmean(graded) if graded else None,
        median=statistics.median(graded) if graded else None,
        highest=max(graded, default=None),
        lowest=min(graded, default=None),
        distribution=distribution,
        graded_students=len(graded),
        ungraded_students=len(values) - len(graded),
    )
