"""The Render Blueprint (``render.yaml``) as a target: plain facts with their YAML paths and lines.

Like pytest-testinfra's modules, this class only answers questions (``services``,
``web_service``, ``env_vars``, ``scaling``, ``disk``); the rules in ``deploycheck.rules`` and the
tests decide what is right. Every accessor tolerates a Blueprint that failed the schema, so rules
still run on it and report what they can.

Resources live in three places (render.com/docs/blueprint-spec): the root lists, ``ungrouped``,
and ``projects[].environments[]``. Every accessor sees all three; a resource knows its
environment, because references (``fromDatabase``, ``fromService``) resolve within one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploycheck.findings import Problem
from deploycheck.targets.yamlfile import YamlDocument, YamlPath, load_yaml

# The keys that say where an env var's value comes from, as Render's spec names them.
ENV_SOURCES = ("value", "generateValue", "sync", "fromDatabase", "fromService", "fromGroup")
KEY_VALUE_TYPES = frozenset({"keyvalue", "redis"})


@dataclass(frozen=True)
class Resource:
    """One entry of ``services``, ``databases`` or ``envVarGroups``, wherever it is declared.

    ``environment`` is ``"project/environment"`` for a resource inside a project, ``None`` for
    one at the root or under ``ungrouped``.
    """

    path: YamlPath
    data: dict[str, Any]
    environment: str | None = None

    @property
    def name(self) -> str:
        return str(self.data.get("name", "<unnamed>"))

    @property
    def type(self) -> str | None:
        """The service ``type``; ``None`` for databases, which have no type field."""
        value = self.data.get("type")
        return value if isinstance(value, str) else None

    @property
    def runtime(self) -> str | None:
        """``runtime``, or the deprecated ``env`` that Render still honours in its place."""
        value = self.data.get("runtime", self.data.get("env"))
        return value if isinstance(value, str) else None

    @property
    def is_static_site(self) -> bool:
        return self.type == "web" and self.runtime == "static"

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def mapping(self, key: str) -> dict[str, Any]:
        """A nested mapping such as ``scaling`` or ``disk``; empty when absent or not a mapping."""
        value = self.data.get(key)
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class EnvVar:
    """One ``envVars`` item: its key (``None`` for ``fromGroup``), source and where it is."""

    key: str | None
    source: str | None
    value: Any
    path: YamlPath

    @property
    def is_literal(self) -> bool:
        return self.source == "value"


class Blueprint:
    """A loaded ``render.yaml``."""

    def __init__(self, document: YamlDocument) -> None:
        self.document = document

    @classmethod
    def load(cls, path: str | Path, display_path: str | None = None) -> Blueprint:
        """Load ``path``; raises ``ConfigFileError`` when it is missing or unreadable."""
        return cls(load_yaml(path, display_path))

    @property
    def path(self) -> str:
        return self.document.path

    @property
    def usable(self) -> bool:
        return self.document.usable

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data if isinstance(self.document.data, dict) else {}

    def line(self, path: YamlPath) -> int | None:
        return self.document.line_of(path)

    def problem(self, path: YamlPath, message: str) -> Problem:
        return self.document.problem(path, message)

    def _scopes(self) -> list[tuple[YamlPath, dict[str, Any], str | None]]:
        """``(path, mapping, environment)`` of every place that can list resources."""
        scopes: list[tuple[YamlPath, dict[str, Any], str | None]] = [((), self.data, None)]
        ungrouped = self.data.get("ungrouped")
        if isinstance(ungrouped, dict):
            scopes.append((("ungrouped",), ungrouped, None))
        for p, project in _items(self.data.get("projects")):
            for e, env in _items(project.get("environments")):
                label = f"{project.get('name', p)}/{env.get('name', e)}"
                scopes.append((("projects", p, "environments", e), env, label))
        return scopes

    def _resources(self, section: str) -> list[Resource]:
        return [
            Resource((*where, section, i), item, label)
            for where, scope, label in self._scopes()
            for i, item in _items(scope.get(section))
        ]

    @property
    def services(self) -> list[Resource]:
        return self._resources("services")

    @property
    def databases(self) -> list[Resource]:
        return self._resources("databases")

    @property
    def env_var_groups(self) -> list[Resource]:
        return self._resources("envVarGroups")

    @property
    def web_services(self) -> list[Resource]:
        """Services of type ``web`` that run code: static sites are served by Render's CDN."""
        return [s for s in self.services if s.type == "web" and not s.is_static_site]

    @property
    def web_service(self) -> Resource | None:
        """The first web service: the app this harness deploys."""
        return next(iter(self.web_services), None)

    @property
    def key_value_services(self) -> list[Resource]:
        return [s for s in self.services if s.type in KEY_VALUE_TYPES]

    def env_vars(self, resource: Resource) -> list[EnvVar]:
        """The resource's ``envVars`` items in file order, each with its source."""
        items = resource.get("envVars")
        if not isinstance(items, list):
            return []
        found: list[EnvVar] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            source = next((s for s in ENV_SOURCES if s in item), None)
            key = item.get("key")
            found.append(
                EnvVar(
                    key if isinstance(key, str) else None,
                    source,
                    item.get(source) if source else None,
                    (*resource.path, "envVars", i),
                )
            )
        return found

    def env_sources(self, resource: Resource) -> dict[str, str | None]:
        """``{key: source}`` for the resource's keyed env vars, e.g. ``{"DATABASE_URL": ...}``."""
        return {v.key: v.source for v in self.env_vars(resource) if v.key is not None}

    def group_env_vars(self) -> list[EnvVar]:
        """The env vars of every ``envVarGroups`` entry, in file order."""
        return [var for group in self.env_var_groups for var in self.env_vars(group)]

    def scaling(self, resource: Resource) -> dict[str, Any]:
        return resource.mapping("scaling")

    def disk(self, resource: Resource) -> dict[str, Any]:
        return resource.mapping("disk")


def _items(value: object) -> list[tuple[int, dict[str, Any]]]:
    """``(index, item)`` for the mappings of a YAML list; anything else yields nothing."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]
