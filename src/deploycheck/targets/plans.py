"""Render's instance types: what a ``plan:`` in a Blueprint gives each instance.

From Render's documentation of instance types (render.com/docs, "Instance types"). The seed
document called ``standard`` "0.5 CPU, 1 GB"; Render's docs say 1 CPU and 2 GB, and a rehearsal
that limits containers must follow Render, so the table does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanLimits:
    """CPU share and memory of one instance of a plan."""

    cpus: float
    memory_mb: int


# Web services, private services and background workers; cron jobs take the same names.
PLANS: dict[str, PlanLimits] = {
    "free": PlanLimits(cpus=0.1, memory_mb=512),
    "starter": PlanLimits(cpus=0.5, memory_mb=512),
    "standard": PlanLimits(cpus=1.0, memory_mb=2048),
    "pro": PlanLimits(cpus=2.0, memory_mb=4096),
    "pro plus": PlanLimits(cpus=4.0, memory_mb=8192),
    "pro max": PlanLimits(cpus=4.0, memory_mb=16384),
    "pro ultra": PlanLimits(cpus=8.0, memory_mb=32768),
}

# Render's default when a service names no plan.
DEFAULT_PLAN = "starter"


def plan_limits(name: str | None) -> PlanLimits:
    """The limits of plan ``name`` (Render's default plan when ``None``).

    Raises ``KeyError`` naming the known plans for a name Render does not offer.
    """
    key = (name or DEFAULT_PLAN).strip().lower()
    try:
        return PLANS[key]
    except KeyError:
        raise KeyError(f"unknown Render plan {name!r}; known: {', '.join(PLANS)}") from None
