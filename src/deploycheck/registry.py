"""The one rule registry: every rule id deploycheck can report, its level, summary and docs.

Every id enters through :func:`declare`, which records one :class:`RuleInfo`: the id, the
default level, whether it is on by default or opt-in, the presets that turn it on, its
options, its docstring (first line the summary, the rest a passing and a failing example) and
its documentation anchor (``docs/rules.md#df004``). It is called directly for an id whose
findings are made outside a rule body (a YAML load error, a probe that reports PRB002 or
PRB003, a checklist item), and by :func:`rule`, which decorates a body that yields
:class:`~deploycheck.findings.Problem` s (where and what); the decorated object, a
:class:`Rule`, is called like the function and returns :class:`~deploycheck.findings.Finding` s
stamped with the rule's id and default level. (:func:`implements` binds a second body to an id
already declared; it adds nothing to the registry.)

Configured levels, ``off`` and suppressions are applied afterwards to every finding by
:mod:`deploycheck.config`, so they also reach findings made outside a rule body.

Levels mean the same everywhere: ``error``, the build or deploy fails or it is a security
defect on any project; ``warning``, likely wrong; ``info``, advice. A convention that is right
for some projects only is opt-in (``enabled=False``): a config turns it on by id or through a
preset (``extends: strict``), the way ruff's ``extend-select`` adds rules to its default set.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from deploycheck.errors import HarnessError
from deploycheck.findings import Finding, Level, Problem
from deploycheck.records import record
from deploycheck.rule_pages import PAGES, Page

RULE_ID = re.compile(r"^[A-Z]{2,3}\d{3}$")
# Where ``deploycheck rules --format markdown`` writes the catalogue; each id is an anchor in it.
DOCS_PAGE = "docs/rules.md"
# The presets a config may extend, and what each turns on over the rules on by default.
PRESETS: Mapping[str, str] = MappingProxyType(
    {
        "strict": "the conventions: every opt-in rule, except one that declares "
        "`presets=()` because it can judge nothing before a project sets its options",
    }
)
STRICT = "strict"
# deploycheck's releases, oldest first. ``since=`` names the one in which a rule became part of
# the default set; a config's ``rules-version:`` pins one, and a default rule newer than the
# pin reports without failing until the project opts in (gives it a level).
RELEASES: tuple[str, ...] = ("0.1.0", "0.2.0")
FIRST_RELEASE = RELEASES[0]
# hadolint's own codes pass through unregistered; configs and suppressions may name them.
RELAYED_CODE = re.compile(r"^(DL|SC)\d{4}$")

# Every module that registers rules; `load_all` imports them so the registry is complete.
RULE_MODULES = (
    "deploycheck.targets.yamlfile",
    "deploycheck.rules.schema",
    "deploycheck.rules.blueprint",
    "deploycheck.rules.blueprint_env",
    "deploycheck.rules.blueprint_refs",
    "deploycheck.rules.crossfile",
    "deploycheck.rules.dockerfile",
    "deploycheck.rules.dockerfile_runtime",
    "deploycheck.rules.dockerfile_user",
    "deploycheck.rules.dockerfile_hygiene",
    "deploycheck.rules.requirements",
    "deploycheck.rules.dockerignore",
    "deploycheck.rules.hadolint",
    "deploycheck.rules.workflows",
    "deploycheck.rules.image",
    "deploycheck.secret_scan",
    "deploycheck.rules.probes",
    "deploycheck.rules.checklist",
    "deploycheck.suppressions",
)


@dataclass(frozen=True)
class RuleInfo:
    """What the registry knows of one rule id: the reporters and ``deploycheck rules`` read it.

    ``target`` names what the rule reads (``dockerfile``, ``blueprint``, ``image``, ...);
    ``options`` maps each option a config file may set to its default and ``option_types``
    to the type(s) a value must have. A rule that is not ``enabled`` by default only runs when
    a config file gives it a level (``XF002: error``): it encodes one project's layout, not
    something every project needs.
    """

    id: str
    level: Level
    summary: str
    doc: str
    target: str
    options: Mapping[str, object] = field(default_factory=dict)
    enabled: bool = True
    option_types: Mapping[str, type | tuple[type, ...]] = field(default_factory=dict)
    presets: frozenset[str] = frozenset()
    since: str = FIRST_RELEASE
    # The rule's page (deploycheck.rule_pages): why it matters, how to fix it, its source.
    page: Page | None = None

    def newer_than(self, release: str) -> bool:
        """On by default only in releases after ``release`` (one of :data:`RELEASES`)."""
        return self.enabled and RELEASES.index(self.since) > RELEASES.index(release)

    @property
    def family(self) -> str:
        """The id's letters: ``DF`` for DF004."""
        return self.id.rstrip("0123456789")

    @property
    def anchor(self) -> str:
        """Where the rule is documented: ``docs/rules.md#df004``."""
        return f"{DOCS_PAGE}#{self.id.lower()}"

    def as_dict(self) -> dict[str, object]:
        shown = record(
            self,
            "id level summary target options enabled presets doc anchor since",
            level=str(self.level),
            options={name: _shown(value) for name, value in self.options.items()},
            presets=sorted(self.presets),
        )
        return shown | (self.page._asdict() if self.page else {})


def _shown(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


Body = Callable[..., Iterable[Problem]]


class Rule:
    """A registered rule body, called like it; returns findings stamped with id and level.

    A body that takes an ``options`` parameter gets the rule's options (the declared defaults
    unless the caller passes ``options=``, as the runners do from the config).
    """

    def __init__(self, body: Body, info: RuleInfo, relays: bool = False) -> None:
        self.body = body
        self.info = info
        self.relays = relays
        self.takes_options = "options" in inspect.signature(body).parameters
        self.__doc__ = body.__doc__
        self.__name__ = body.__name__
        self.__wrapped__ = body

    @property
    def id(self) -> str:
        return self.info.id

    def __call__(
        self, *args: Any, options: Mapping[str, object] | None = None, **kw: Any
    ) -> list[Finding]:
        if self.takes_options:
            kw["options"] = {**self.info.options, **(options or {})}
        return sorted(self.stamp(problem) for problem in self.body(*args, **kw))

    def stamp(self, problem: Problem) -> Finding:
        rule_id = problem.rule_id or self.id
        # A body may pass on a registered id (a YAML load error in the file it reads).
        if rule_id not in REGISTRY and not self.relays:
            raise ValueError(f"rule {self.id} yielded a problem for undeclared id {rule_id}")
        level = problem.level if problem.level is not None else REGISTRY.level_of(rule_id)
        return Finding(problem.path, problem.line, rule_id, problem.message, level, problem.column)

    def __repr__(self) -> str:
        return f"Rule({self.id})"


class Registry:
    """Every rule id, in registration order, and the rule bodies per target."""

    def __init__(self) -> None:
        self._infos: dict[str, RuleInfo] = {}
        self._rules: dict[str, Rule] = {}

    def add(self, info: RuleInfo) -> None:
        if not RULE_ID.match(info.id):
            raise ValueError(f"rule id {info.id!r} is not two or three capitals and 3 digits")
        if info.id in self._infos:
            raise ValueError(f"rule id {info.id} registered twice")
        if not info.summary:
            raise ValueError(f"rule {info.id} has no summary (the docstring's first line)")
        self._infos[info.id] = info

    def bind(self, rule: Rule) -> None:
        self._rules[rule.id] = rule

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._infos

    def knows(self, rule_id: str) -> bool:
        """Registered, or a code a registered rule relays (hadolint's DL3008)."""
        return rule_id in self._infos or bool(RELAYED_CODE.match(rule_id))

    def __getitem__(self, rule_id: str) -> RuleInfo:
        return self._infos[rule_id]

    def __iter__(self) -> Iterator[RuleInfo]:
        return iter(sorted(self._infos.values(), key=lambda info: info.id))

    def infos(self) -> Mapping[str, RuleInfo]:
        return MappingProxyType(self._infos)

    def level_of(self, rule_id: str) -> Level:
        """The registered default level; an unregistered (relayed) code is an error."""
        info = self._infos.get(rule_id)
        return info.level if info else Level.ERROR

    def rule(self, rule_id: str) -> Rule:
        """The body registered for ``rule_id`` (``KeyError`` for a declared-only id)."""
        return self._rules[rule_id]

    def rules_for(self, target: str) -> list[Rule]:
        """The rule bodies that read ``target``, in registration order."""
        return [rule for rule in self._rules.values() if rule.info.target == target]

    def ids_for(self, target: str) -> list[str]:
        return [info.id for info in self._infos.values() if info.target == target]


REGISTRY = Registry()


OptionSpec = Mapping[str, object]


def _options(spec: OptionSpec | None) -> tuple[Mapping[str, object], Mapping[str, Any]]:
    """Defaults and types from a declaration: a value is the default (its type is the one
    wanted), or a type or tuple of types for an option that is unset by default."""
    defaults, types = {}, {}
    for name, value in (spec or {}).items():
        is_type = isinstance(value, type) or (
            isinstance(value, tuple) and all(isinstance(v, type) for v in value)
        )
        defaults[name] = None if is_type else value
        types[name] = value if is_type else type(value)
    return MappingProxyType(defaults), MappingProxyType(types)


def _presets(rule_id: str, enabled: bool, named: Iterable[str] | None) -> frozenset[str]:
    """The presets that turn the rule on: as named, else ``strict`` for an opt-in rule."""
    if named is None:
        return frozenset() if enabled else frozenset({STRICT})
    unknown = sorted(set(named) - set(PRESETS))
    if unknown:
        raise ValueError(f"rule {rule_id} names unknown preset(s) {', '.join(unknown)}")
    return frozenset(named)


def declare(
    rule_id: str,
    doc: str | None,
    *,
    target: str,
    level: Level = Level.ERROR,
    options: OptionSpec | None = None,
    enabled: bool = True,
    presets: Iterable[str] | None = None,
    since: str = FIRST_RELEASE,
) -> RuleInfo:
    """Record rule ``rule_id``: the one way into the registry.

    ``doc`` is its docstring (the summary line, then a passing and a failing example).
    ``options`` declares the options a config may set: each maps to its default, or to a type
    (or tuple of types) when it is unset by default (``{"max_instances": int}``).
    ``enabled=False`` makes the rule opt-in; ``presets`` names the presets that turn it on
    (by default ``strict`` for an opt-in rule, none for a rule that is on anyway; ``()`` keeps
    an opt-in rule out of every preset). ``since`` is the release (one of :data:`RELEASES`)
    in which the rule joined the default set.
    """
    if since not in RELEASES:
        raise ValueError(f"rule {rule_id}: since={since!r} is not a release ({RELEASES})")
    text = inspect.cleandoc(doc or "")
    summary, _, rest = text.partition("\n")
    defaults, types = _options(options)
    info = RuleInfo(
        rule_id,
        level,
        summary.strip(),
        rest.strip(),
        target,
        defaults,
        enabled,
        types,
        _presets(rule_id, enabled, presets),
        since,
        PAGES.get(rule_id),
    )
    REGISTRY.add(info)
    return info


def rule(
    rule_id: str,
    *,
    target: str,
    level: Level = Level.ERROR,
    options: OptionSpec | None = None,
    extra_ids: Mapping[str, str] | None = None,
    relays: bool = False,
    enabled: bool = True,
    presets: Iterable[str] | None = None,
    since: str = FIRST_RELEASE,
) -> Callable[[Body], Rule]:
    """Register the decorated body as rule ``rule_id`` reading ``target`` (see
    :func:`declare`; the body's docstring is the rule's doc).

    ``extra_ids`` maps further ids the body may report (``Problem(rule_id=...)``) to their
    summaries; each is registered with the body's examples and settings, but no options.
    ``relays`` lets the body report another tool's codes as they are (hadolint's DL3008).
    """

    def bind(body: Body) -> Rule:
        settings = {
            "target": target,
            "level": level,
            "enabled": enabled,
            "presets": presets,
            "since": since,
        }
        info = declare(rule_id, body.__doc__, options=options, **settings)
        for extra, summary in (extra_ids or {}).items():
            declare(extra, f"{summary}\n\n{info.doc}", **settings)
        bound = Rule(body, info, relays)
        REGISTRY.bind(bound)
        return bound

    return bind


def implements(rule_id: str) -> Callable[[Body], Rule]:
    """A second body for an already registered id, called directly and never by a runner
    (IMG002 is checked on the image config and again inside the running container); it adds
    nothing to the registry."""

    def wrap(body: Body) -> Rule:
        return Rule(body, REGISTRY[rule_id])

    return wrap


class RuleCrashError(Exception):
    """A rule body raised: a bug in deploycheck (exit 3), named after the rule."""


class Settings(Protocol):
    """What a runner asks the config (:class:`deploycheck.config.Config` is one)."""

    def enabled(self, rule_id: str) -> bool: ...

    def options(self, rule_id: str) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class StaticSettings:
    """Fixed settings: the rules enabled by default plus ``on``, minus ``off``, with options
    per rule id over the defaults. ``StaticSettings()`` is what runs without a config file.
    """

    rule_options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    off: frozenset[str] = frozenset()
    on: frozenset[str] = frozenset()

    def enabled(self, rule_id: str) -> bool:
        default = REGISTRY[rule_id].enabled if rule_id in REGISTRY else True
        return rule_id not in self.off and (default or rule_id in self.on)

    def options(self, rule_id: str) -> Mapping[str, object]:
        return self.rule_options.get(rule_id, {})


def run(target: str, subject: object, settings: Settings | None = None) -> list[Finding]:
    """Every finding of every enabled rule that reads ``target``, run over ``subject``."""
    load_all()
    settings = settings or StaticSettings()
    found: list[Finding] = []
    for bound in REGISTRY.rules_for(target):
        if not settings.enabled(bound.id):
            continue
        try:
            found.extend(bound(subject, options=settings.options(bound.id)))
        except HarnessError:
            raise  # the input is unusable (a Dockerfile without FROM): exit 2, not a bug
        except Exception as exc:
            raise RuleCrashError(f"rule {bound.id} crashed: {type(exc).__name__}: {exc}") from exc
    return sorted(found)


def load_all() -> Registry:
    """The registry with every rule module imported (a no-op once they are)."""
    for module in RULE_MODULES:
        importlib.import_module(module)
    return REGISTRY
