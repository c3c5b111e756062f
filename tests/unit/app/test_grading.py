from __future__ import annotations

import pytest

from app.grading import Item, course_result, gpa, letter_grade, summarize, validate_score

WEIGHTS = {"homework": 40, "exams": 60}


def test_weights_combine_category_percentages() -> None:
    items = [Item("homework", 20, 18), Item("homework", 10, 9), Item("exams", 100, 80)]
    result = course_result(items, WEIGHTS)
    assert result.percentage == pytest.approx(0.4 * 90 + 0.6 * 80)
    assert result.letter == "B"


def test_ungraded_assignments_are_excluded_not_zero() -> None:
    items = [Item("homework", 10, 10), Item("homework", 10, None), Item("exams", 100, 70)]
    result = course_result(items, WEIGHTS)
    assert result.categories["homework"].percentage == 100
    assert result.percentage == pytest.approx(0.4 * 100 + 0.6 * 70)
    assert (result.graded, result.ungraded) == (2, 1)


def test_category_without_graded_work_drops_out_and_weights_renormalise() -> None:
    result = course_result([Item("homework", 20, 15), Item("exams", 100, None)], WEIGHTS)
    assert result.percentage == pytest.approx(75.0)
    assert result.categories["homework"].effective_weight == pytest.approx(1.0)
    assert "exams" not in result.categories


def test_no_graded_work_gives_no_percentage_or_letter() -> None:
    result = course_result([Item("exams", 100, None)], WEIGHTS)
    assert (result.percentage, result.letter) == (None, None)


def test_course_without_weights_pools_points() -> None:
    result = course_result([Item("a", 10, 10), Item("b", 90, 45)], {})
    assert result.percentage == pytest.approx(55.0)


def test_zero_score_counts_as_graded() -> None:
    assert course_result([Item("exams", 100, 0)], WEIGHTS).percentage == 0


@pytest.mark.parametrize(
    ("percentage", "letter"),
    [
        (100, "A"),
        (90, "A"),
        (89.995, "A"),
        (89.99, "B"),
        (80, "B"),
        (70, "C"),
        (60, "D"),
        (59.99, "F"),
        (0, "F"),
        (None, None),
    ],
)
def test_letter_grade_thresholds(percentage: float | None, letter: str | None) -> None:
    assert letter_grade(percentage) == letter


@pytest.mark.parametrize("score", [-0.5, 10.5])
def test_rejects_score_outside_zero_to_max(score: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 10"):
        validate_score(score, 10)


@pytest.mark.parametrize("score", [0, 10])
def test_accepts_score_at_bounds(score: float) -> None:
    assert validate_score(score, 10) is None  # no ValueError


def test_gpa_is_credit_weighted_and_skips_ungraded_courses() -> None:
    assert gpa([(4, "A"), (2, "C"), (3, None)]) == pytest.approx((4 * 4 + 2 * 2) / 6)


def test_gpa_without_graded_courses_is_none() -> None:
    assert gpa([(3, None)]) is None


def test_summarize_counts_distribution_and_ungraded_students() -> None:
    summary = summarize([95, 85, 84, None, 40])
    assert summary.average == pytest.approx(76.0)
    assert summary.median == pytest.approx(84.5)
    assert (summary.highest, summary.lowest) == (95, 40)
    assert summary.distribution == {"A": 1, "B": 2, "C": 0, "D": 0, "F": 1}
    assert (summary.graded_students, summary.ungraded_students) == (4, 1)


def test_summarize_empty_class() -> None:
    summary = summarize([None])
    assert summary.average is None
    assert sum(summary.distribution.values()) == 0
