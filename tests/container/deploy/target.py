"""What the rehearsal deploys, read from render.yaml: the web service's plan limits, health
check path, pre-deploy command and the environment Render would give it.

Nothing here is hard-coded: a Blueprint that changes its plan or health path changes the
rehearsal with it.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deploycheck.targets.blueprint import Blueprint
from deploycheck.targets.plans import DEFAULT_PLAN, PlanLimits, plan_limits

DEFAULT_HEALTH_PATH = "/"
# Render's default maxShutdownDelaySeconds: SIGTERM, then SIGKILL this many seconds later.
DEFAULT_SHUTDOWN_WINDOW = 30


@dataclass(frozen=True)
class Wiring:
    """The values Render would fill in at deploy time, for this rehearsal's services."""

    database_url: str
    redis_url: str
    # sync: false keys are typed into Render's dashboard; the rehearsal types these.
    dashboard: Mapping[str, str] = field(
        default_factory=lambda: {
            "API_TOKEN_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        }
    )


@dataclass(frozen=True)
class DeployTarget:
    """The web service of a Blueprint, as the rehearsal runs it."""

    name: str
    plan: str
    limits: PlanLimits
    health_path: str
    pre_deploy_command: str | None
    shutdown_window: int
    max_instances: int
    env_rules: tuple[tuple[str, str, object], ...]

    @classmethod
    def from_blueprint(cls, path: Path) -> DeployTarget:
        blueprint = Blueprint.load(path)
        service = blueprint.web_service
        if service is None:
            raise ValueError(f"{path}: no web service to rehearse")
        plan = str(service.get("plan") or DEFAULT_PLAN)
        rules = tuple(
            (var.key, var.source or "", var.value)
            for var in blueprint.env_vars(service)
            if var.key is not None
        )
        return cls(
            name=service.name,
            plan=plan,
            limits=plan_limits(plan),
            health_path=str(service.get("healthCheckPath") or DEFAULT_HEALTH_PATH),
            pre_deploy_command=service.get("preDeployCommand"),
            shutdown_window=int(service.get("maxShutdownDelaySeconds") or DEFAULT_SHUTDOWN_WINDOW),
            max_instances=int(blueprint.scaling(service).get("maxInstances") or 1),
            env_rules=rules,
        )

    def environment(self, wiring: Wiring, secret_key: str) -> dict[str, str]:
        """The env Render gives an instance: literal values as written, generated values
        (one per service, shared by its instances), datastore URLs and dashboard values."""
        env: dict[str, str] = {}
        for key, source, value in self.env_rules:
            if source == "value":
                env[key] = str(value)
            elif source == "generateValue":
                env[key] = secret_key
            elif source == "fromDatabase":
                env[key] = wiring.database_url
            elif source == "fromService":
                env[key] = wiring.redis_url
            elif source == "sync" and key in wiring.dashboard:
                env[key] = wiring.dashboard[key]
        return env
