"""Stand-in for ``deploycheck.targets.plans`` until main has it (same API); removed at merge.

Render's documented instance types (render.com/docs/pricing): CPU and memory per instance.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanLimits:
    """What one instance of a plan may use."""

    cpus: float
    memory_mb: int


PLANS = {
    "free": PlanLimits(0.1, 512),
    "starter": PlanLimits(0.5, 512),
    "standard": PlanLimits(1.0, 2048),
    "pro": PlanLimits(2.0, 4096),
    "pro plus": PlanLimits(4.0, 8192),
    "pro max": PlanLimits(4.0, 16384),
    "pro ultra": PlanLimits(8.0, 32768),
}


def plan_limits(name: str) -> PlanLimits:
    """The limits of plan ``name``; KeyError names the known plans."""
    try:
        return PLANS[name.strip().lower()]
    except KeyError:
        raise KeyError(f"unknown Render plan {name!r}; known: {', '.join(PLANS)}") from None
