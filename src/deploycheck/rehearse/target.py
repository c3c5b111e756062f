"""What the rehearsal deploys, read from render.yaml: the web service's plan limits, health
check path, pre-deploy command, shutdown delay, scaling and the environment Render would give it.

Nothing here is hard-coded: a Blueprint that changes its plan or health path changes the
rehearsal with it.
"""

from __future__ import annotations

import base64
import posixpath
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from deploycheck.targets.blueprint import KEY_VALUE_TYPES, Blueprint, Resource
from deploycheck.targets.plans import DEFAULT_PLAN, PlanLimits, plan_limits

# Render's default maxShutdownDelaySeconds: SIGTERM, then SIGKILL this many seconds later.
DEFAULT_SHUTDOWN_WINDOW = 30
DEFAULT_DOCKERFILE = "Dockerfile"
# Render's defaults for a database without postgresMajorVersion and a Key Value without
# maxmemoryPolicy.
DEFAULT_POSTGRES_VERSION = "16"
DEFAULT_MAXMEMORY_POLICY = "allkeys-lru"


def generated_value() -> str:
    """A value for ``generateValue`` or an unset ``sync: false`` key: 32 random bytes in
    url-safe base64 (256 bits, which is also a valid Fernet key)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class Wiring:
    """The values Render would fill in at deploy time, for this rehearsal's services.

    ``dashboard`` holds the ``sync: false`` values a team types into Render's dashboard (an
    empty one: left empty, the variable unset); keys it lacks get a generated value, and
    :meth:`DeployTarget.generated_sync_keys` names them."""

    database_url: str
    redis_url: str
    dashboard: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeployTarget:
    """A web service (or worker) of a Blueprint, as the rehearsal runs it."""

    name: str
    plan: str
    limits: PlanLimits
    health_path: str | None  # None: no healthCheckPath, Render probes the port over TCP
    pre_deploy_command: str | None
    shutdown_window: int
    max_instances: int
    env_rules: tuple[tuple[str, str, object], ...]
    dockerfile: str = DEFAULT_DOCKERFILE
    docker_context: str = "."
    docker_command: str | None = None  # the image's CMD unless set
    # The datastores the Blueprint declares: PostgreSQL major versions, Key Value policies.
    postgres_versions: tuple[str, ...] = ()
    key_value_policies: tuple[str, ...] = ()

    @classmethod
    def from_blueprint(cls, path: Path) -> DeployTarget:
        """The Blueprint's first web service."""
        return cls.web_services(path)[0]

    @classmethod
    def web_services(cls, path: Path) -> list[DeployTarget]:
        """Every web service of the Blueprint that runs code, in its order; ValueError when
        there is none."""
        blueprint = Blueprint.load(path)
        if not blueprint.web_services:
            raise ValueError(f"{path}: no web service to rehearse")
        return [cls.of(blueprint, service) for service in blueprint.web_services]

    @classmethod
    def workers(cls, path: Path) -> list[DeployTarget]:
        """The Blueprint's background workers with a Docker runtime: each runs beside the
        web service during every scenario."""
        blueprint = Blueprint.load(path)
        return [
            cls.of(blueprint, service)
            for service in blueprint.services
            if service.type == "worker" and service.runtime == "docker"
        ]

    @classmethod
    def of(cls, blueprint: Blueprint, service: Resource) -> DeployTarget:
        plan = str(service.get("plan") or DEFAULT_PLAN)
        groups = {group.name: blueprint.env_vars(group) for group in blueprint.env_var_groups}
        own = blueprint.env_vars(service)
        # fromGroup: the group's variables (literal, generated and sync: false values only),
        # first, so a value the service sets itself wins. A dashboard-made group is unknown.
        linked = [v for var in own if var.source == "fromGroup" for v in groups.get(var.value, [])]
        rules = [(v.key, v.source or "", v.value) for v in [*linked, *own] if v.key is not None]
        return cls(
            name=service.name,
            plan=plan,
            limits=plan_limits(plan),
            health_path=service.get("healthCheckPath") or None,
            pre_deploy_command=service.get("preDeployCommand"),
            shutdown_window=int(service.get("maxShutdownDelaySeconds") or DEFAULT_SHUTDOWN_WINDOW),
            max_instances=int(blueprint.scaling(service).get("maxInstances") or 1),
            env_rules=tuple(rules),
            dockerfile=posixpath.normpath(str(service.get("dockerfilePath") or DEFAULT_DOCKERFILE)),
            docker_context=posixpath.normpath(str(service.get("dockerContext") or ".")),
            docker_command=service.get("dockerCommand"),
            postgres_versions=tuple(
                str(db.get("postgresMajorVersion") or DEFAULT_POSTGRES_VERSION)
                for db in blueprint.databases
            ),
            key_value_policies=tuple(
                str(kv.get("maxmemoryPolicy") or DEFAULT_MAXMEMORY_POLICY)
                for kv in blueprint.key_value_services
            ),
        )

    @property
    def build(self) -> tuple[str, str]:
        """What its image is built from: (dockerContext, dockerfilePath)."""
        return self.docker_context, self.dockerfile

    @property
    def dockerfile_in_context(self) -> str:
        """``dockerfilePath`` relative to ``dockerContext`` (Render reads both from the
        repository's root; a build reads the Dockerfile's path from the context)."""
        return posixpath.relpath(self.dockerfile, self.docker_context)

    @property
    def sync_keys(self) -> list[str]:
        """The ``sync: false`` keys: values Render asks for in its dashboard."""
        return [key for key, source, _ in self.env_rules if source == "sync"]

    def generated_sync_keys(self, wiring: Wiring) -> list[str]:
        """The ``sync: false`` keys the rehearsal generated, having no value for them."""
        return [key for key in self.sync_keys if key not in wiring.dashboard]

    def environment(self, wiring: Wiring) -> dict[str, str]:
        """The env Render gives an instance: literal values as written, generated values
        (one per service, shared by its instances), datastore URLs and their parts (the
        ``property`` a reference names), dashboard values. A reference to a service the
        rehearsal does not run (another web service's host) is left unset."""
        env: dict[str, str] = {}
        for key, source, value in self.env_rules:
            if source == "value":
                env[key] = str(value)
            elif source == "generateValue":
                env[key] = generated_value()
            elif source == "fromDatabase":
                env[key] = url_property(wiring.database_url, _property(value))
            elif source == "fromService" and _service_type(value) in KEY_VALUE_TYPES:
                env[key] = url_property(wiring.redis_url, _property(value))
            elif source == "sync" and key not in wiring.dashboard:
                env[key] = generated_value()
            elif source == "sync" and wiring.dashboard[key]:
                env[key] = wiring.dashboard[key]
        return env


def _property(reference: object) -> str:
    found = reference.get("property") if isinstance(reference, dict) else None
    return str(found or "connectionString")


def _service_type(reference: object) -> str | None:
    found = reference.get("type") if isinstance(reference, dict) else None
    return str(found) if found else None


def url_property(url: str, name: str) -> str:
    """One ``property`` of a datastore reference (Render's names), read from its URL."""
    parts = urlsplit(url)
    values = {
        "connectionString": url,
        "host": parts.hostname or "",
        "port": str(parts.port or ""),
        "hostport": f"{parts.hostname}:{parts.port}",
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")),
    }
    if name not in values:
        raise ValueError(f"unknown property {name!r} of a datastore reference")
    return values[name]
