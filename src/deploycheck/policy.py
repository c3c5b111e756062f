"""The deploy policy: the seed document's numbers in ONE place, each overridable by an env var.

A host that needs other numbers (a bigger plan for a load test, say) sets the env var; nobody
edits ``render.yaml`` or the rules to make a check pass. Defaults, and the variable that
overrides each one:

==================================  ==========================================  ===============
env var                             meaning                                     default
==================================  ==========================================  ===============
GRADETRACKER_MIN_INSTANCES          lowest allowed ``scaling.minInstances``     1
GRADETRACKER_MAX_INSTANCES          highest allowed ``scaling.maxInstances``    3
GRADETRACKER_TARGET_MEMORY_PERCENT  required ``scaling.targetMemoryPercent``    70
GRADETRACKER_TARGET_CPU_PERCENT     required ``scaling.targetCPUPercent``       80
GRADETRACKER_PLAN                   required web service ``plan``               standard
GRADETRACKER_POSTGRES_VERSION       required ``postgresMajorVersion``           15
GRADETRACKER_AUTO_DEPLOY_TRIGGER    required ``autoDeployTrigger``              checksPass
GRADETRACKER_REDIS_EVICTION         required Key Value ``maxmemoryPolicy``      allkeys-lru
GRADETRACKER_REQUIRED_ENV           ``KEY=source`` pairs, comma separated       see below
==================================  ==========================================  ===============

Required env vars default to ``FLASK_SECRET_KEY=generateValue, DATABASE_URL=fromDatabase,
REDIS_URL=fromService, API_TOKEN_ENCRYPTION_KEY=sync`` (``sync`` means ``sync: false``: the
value is typed into the Render dashboard, never committed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from deploycheck.errors import PolicyError
from deploycheck.targets.blueprint import Blueprint

DEFAULT_REQUIRED_ENV: dict[str, str] = {
    "FLASK_SECRET_KEY": "generateValue",
    "DATABASE_URL": "fromDatabase",
    "REDIS_URL": "fromService",
    "API_TOKEN_ENCRYPTION_KEY": "sync",
}


@dataclass(frozen=True)
class Policy:
    """What a correct production Blueprint for gradetracker looks like."""

    min_instances: int = 1
    max_instances: int = 3
    target_memory_percent: int = 70
    target_cpu_percent: int = 80
    plan: str = "standard"
    postgres_version: str = "15"
    auto_deploy_trigger: str = "checksPass"
    redis_eviction: str = "allkeys-lru"
    required_env: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_REQUIRED_ENV))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Policy:
        """The defaults above, with any ``GRADETRACKER_*`` override from ``environ``."""
        env = os.environ if environ is None else environ
        default = cls()

        def number(name: str, fallback: int) -> int:
            raw = env.get(name)
            if raw is None:
                return fallback
            try:
                return int(raw)
            except ValueError:
                raise PolicyError(f"{name}={raw!r}: expected a whole number") from None

        return cls(
            min_instances=number("GRADETRACKER_MIN_INSTANCES", default.min_instances),
            max_instances=number("GRADETRACKER_MAX_INSTANCES", default.max_instances),
            target_memory_percent=number(
                "GRADETRACKER_TARGET_MEMORY_PERCENT", default.target_memory_percent
            ),
            target_cpu_percent=number(
                "GRADETRACKER_TARGET_CPU_PERCENT", default.target_cpu_percent
            ),
            plan=env.get("GRADETRACKER_PLAN", default.plan),
            postgres_version=env.get("GRADETRACKER_POSTGRES_VERSION", default.postgres_version),
            auto_deploy_trigger=env.get(
                "GRADETRACKER_AUTO_DEPLOY_TRIGGER", default.auto_deploy_trigger
            ),
            redis_eviction=env.get("GRADETRACKER_REDIS_EVICTION", default.redis_eviction),
            required_env=_parse_required_env(env.get("GRADETRACKER_REQUIRED_ENV"))
            or default.required_env,
        )


def _parse_required_env(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    pairs: dict[str, str] = {}
    for item in raw.split(","):
        key, sep, source = item.strip().partition("=")
        if not sep or not key or not source:
            raise PolicyError(f"GRADETRACKER_REQUIRED_ENV item {item!r}: expected KEY=source")
        pairs[key.strip()] = source.strip()
    return pairs


@dataclass(frozen=True)
class PolicyTarget:
    """What policy rules check: a Blueprint together with the policy it must meet."""

    blueprint: Blueprint
    policy: Policy
