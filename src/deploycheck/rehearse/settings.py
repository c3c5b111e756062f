"""The ``rehearse:`` section of a project's deploycheck config: what a Blueprint cannot say.

The Blueprint says what to deploy; this says how to load it and what the rehearsal may change::

    rehearse:
      env:                          # on top of the Blueprint's env, for the rehearsal only
        RATELIMIT_DEFAULT: 100000 per minute
      dashboard:                    # sync: false values ("" leaves the variable unset);
        SENTRY_DSN: ""              # the others are generated, and the report names them
      env_file: .env.rehearse       # more sync: false values, KEY=VALUE lines (relative to
                                    # the Blueprint's folder; --env-file overrides it)
      setup: flask --app app create-token rehearsal   # one-off after preDeployCommand; the
                                    # last line it prints is {setup} below
      headers: {Authorization: "Bearer {setup}"}
      reads: [GET /health, GET /api/v1/students]      # default: the health path and /
      slow: GET /reports/yearly     # a request that takes seconds: held in flight at SIGTERM
      write:                        # a write probe: without one, no write is checked
        request: POST /api/v1/students
        body: {name: "Load {n}", email: "load-{n}-{uid}@example.com"}
        ack: id                     # the JSON field of a 2xx answer naming what was written
        check: GET /api/v1/students/{ack}   # answers 2xx while the write is there

:func:`parse_rehearse` is the hook :mod:`deploycheck.config` calls for the section; every
mistake is a ``ConfigError`` at file:line. Nothing here imports the rehearsal's machinery.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from deploycheck.errors import ConfigError

Locator = Callable[[tuple], str]
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_SECTION_KEYS = {"env", "dashboard", "env_file", "setup", "headers", "reads", "slow", "write"}
_WRITE_KEYS = {"request", "body", "ack", "check"}


@dataclass(frozen=True)
class Call:
    """``METHOD /path``: one request a workload sends."""

    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class WriteProbe:
    """A write the load sends, the answer field that acknowledges it, and how to find it."""

    request: Call
    ack: str
    check: Call
    body: Any = None


@dataclass(frozen=True)
class RehearseSettings:
    """The section, checked. ``RehearseSettings()`` is no section: the defaults."""

    env: Mapping[str, str] = field(default_factory=dict)
    dashboard: Mapping[str, str] = field(default_factory=dict)
    env_file: str | None = None
    setup: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    reads: tuple[Call, ...] = ()
    slow: Call | None = None
    write: WriteProbe | None = None

    def read_calls(self, health_path: str | None) -> tuple[Call, ...]:
        """The reads, or by default GET on the health path (if any) and on ``/``."""
        if self.reads:
            return self.reads
        paths = dict.fromkeys([path for path in (health_path, "/") if path])
        return tuple(Call("GET", path) for path in paths)


def parse_rehearse(section: object, where: Locator) -> RehearseSettings:
    """The ``rehearse:`` section of a config, checked field by field."""
    at = ("rehearse",)
    if not isinstance(section, dict):
        raise ConfigError(f"{where(at)}: rehearse: must be a mapping")
    unknown = sorted(set(map(str, section)) - _SECTION_KEYS)
    if unknown:
        expected = ", ".join(sorted(_SECTION_KEYS))
        raise ConfigError(
            f"{where((*at, unknown[0]))}: unknown key {unknown[0]!r} in rehearse: "
            f"(expected {expected})"
        )
    setup = section.get("setup")
    if setup is not None and (not isinstance(setup, str) or not setup.strip()):
        raise ConfigError(f"{where((*at, 'setup'))}: rehearse: setup: must be a command")
    env_file = section.get("env_file")
    if env_file is not None and (not isinstance(env_file, str) or not env_file.strip()):
        raise ConfigError(f"{where((*at, 'env_file'))}: rehearse: env_file: must be a path")
    reads = section.get("reads", [])
    if not isinstance(reads, list):
        raise ConfigError(
            f"{where((*at, 'reads'))}: rehearse: reads: must be a list of 'METHOD /path'"
        )
    return RehearseSettings(
        env=_strings(section, "env", where),
        dashboard=_strings(section, "dashboard", where),
        env_file=env_file,
        setup=setup,
        headers=_strings(section, "headers", where),
        reads=tuple(_call(raw, (*at, "reads", i), where) for i, raw in enumerate(reads)),
        slow=_call(section["slow"], (*at, "slow"), where) if "slow" in section else None,
        write=_write(section["write"], where) if "write" in section else None,
    )


def _strings(section: Mapping[str, Any], key: str, where: Locator) -> dict[str, str]:
    """A mapping of names to scalar values, read as strings (``4`` is ``"4"``)."""
    value = section.get(key, {})
    path = ("rehearse", key)
    if not isinstance(value, dict):
        raise ConfigError(f"{where(path)}: rehearse: {key}: must map names to values")
    for name, item in value.items():
        if isinstance(item, dict | list) or item is None:
            raise ConfigError(
                f"{where((*path, name))}: rehearse: {key}: {name} must be a "
                f"string or a number, found {item!r}"
            )
    return {str(name): str(item) for name, item in value.items()}


def _call(raw: object, path: tuple, where: Locator) -> Call:
    method, _, target = str(raw).strip().partition(" ")
    target = target.strip()
    if not isinstance(raw, str) or method.upper() not in METHODS or not target.startswith("/"):
        raise ConfigError(
            f"{where(path)}: expected 'METHOD /path' (say 'GET /health'), found {raw!r}"
        )
    return Call(method.upper(), target)


def _write(raw: object, where: Locator) -> WriteProbe:
    path = ("rehearse", "write")
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{where(path)}: rehearse: write: must be a mapping with request:, ack: and check:"
        )
    missing = sorted({"request", "ack", "check"} - set(raw))
    if missing:
        raise ConfigError(f"{where(path)}: rehearse: write: needs {missing[0]}:")
    unknown = sorted(set(map(str, raw)) - _WRITE_KEYS)
    if unknown:
        raise ConfigError(
            f"{where((*path, unknown[0]))}: unknown key {unknown[0]!r} in "
            f"rehearse: write: (expected {', '.join(sorted(_WRITE_KEYS))})"
        )
    ack = raw["ack"]
    if not isinstance(ack, str) or not ack:
        raise ConfigError(
            f"{where((*path, 'ack'))}: rehearse: write: ack: must name the answer's JSON field"
        )
    check = _call(raw["check"], (*path, "check"), where)
    if "{ack}" not in check.path:
        raise ConfigError(
            f"{where((*path, 'check'))}: rehearse: write: check: must put {{ack}} "
            "in its path (where the acknowledged value goes)"
        )
    return WriteProbe(_call(raw["request"], (*path, "request"), where), ack, check, raw.get("body"))
