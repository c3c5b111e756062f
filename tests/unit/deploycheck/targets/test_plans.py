"""Render's plans: named plans and compute ids read as CPU and memory limits."""

from __future__ import annotations

import pytest

from deploycheck.targets.plans import PlanLimits, plan_limits


@pytest.mark.parametrize(
    ("plan", "limits"),
    [
        (None, PlanLimits(0.5, 512)),
        ("standard", PlanLimits(1.0, 2048)),
        ("0.5c-512mb", PlanLimits(0.5, 512)),
        ("2c-4g", PlanLimits(2.0, 4096)),
        ("0.1c-256mb", PlanLimits(0.1, 256)),
    ],
)
def test_plan_limits_read_named_plans_and_compute_ids(plan: str | None, limits: PlanLimits) -> None:
    assert plan_limits(plan) == limits


def test_unknown_plan_is_a_key_error_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: free, starter"):
        plan_limits("huge")
