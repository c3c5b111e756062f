"""Render's instance types: what a ``plan:`` in a Blueprint gives each instance.

From Render's documentation of instance types (render.com/docs, "Instance types"). The seed
document called ``standard`` "0.5 CPU, 1 GB"; Render's docs say 1 CPU and 2 GB, and a rehearsal
that limits containers must follow Render, so the table does. Newer Blueprints name compute ids
that say their size (``0.5c-512mb``, ``2c-4g``; Render's published schema lists which ones each
service type takes), so those are read from the name itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COMPUTE_ID = re.compile(r"^(?P<cpus>\d+(?:\.\d+)?)c-(?P<size>\d+)(?P<unit>mb|g)$")


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
    """The limits of plan ``name`` (Render's default plan when ``None``): a named plan or a
    compute id such as ``1c-2g``.

    Raises ``KeyError`` naming the known plans for a name Render does not offer.
    """
    key = (name or DEFAULT_PLAN).strip().lower()
    compute = COMPUTE_ID.match(key)
    if compute:
        size = int(compute["size"]) * (1024 if compute["unit"] == "g" else 1)
        return PlanLimits(cpus=float(compute["cpus"]), memory_mb=size)
    try:
        return PLANS[key]
    except KeyError:
        known = ", ".join(PLANS)
        raise KeyError(f"unknown Render plan {name!r}; known: {known} or a compute id") from None
