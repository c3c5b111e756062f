"""What a Render Blueprint costs per month, and what a change to it costs (``deploycheck cost``).

Infracost answers this for Terraform; here the Blueprint's resources are priced from the table
shipped in ``deploycheck/data/render-prices.yaml``, or the config's and ``--prices``'s overrides
of it (:mod:`deploycheck.prices`); its source and the date it was read travel with every report:

- a web service, private service or worker: its plan's price times its instances, as a range
  from ``scaling.minInstances`` to ``maxInstances`` when it autoscales (``numInstances``, else
  one, when it does not), plus its disk per GB;
- PostgreSQL: its plan plus ``diskSizeGB`` per GB; Key Value: its plan;
- a static site has no instance price; a cron job is billed per minute of run time, so its month
  is unknown without the schedule's run times.

A plan the table does not hold (a compute id such as ``1c-2g``, a legacy database plan) is
priced as unknown and named, never guessed; totals say how many resources they leave out.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploycheck.errors import ConfigFileError
from deploycheck.prices import plan_name
from deploycheck.records import record
from deploycheck.targets.blueprint import KEY_VALUE_TYPES, Blueprint, Resource
from deploycheck.targets.yamlfile import parse_yaml

# Render's plan when a service names none (render.com/docs/blueprint-spec).
DEFAULT_SERVICE_PLAN = "starter"
INSTANCE_TYPES = frozenset({"web", "pserv", "worker"})


@dataclass(frozen=True)
class Line:
    """One priced resource: per instance (``unit``) times instances, plus fixed ``extra``."""

    kind: str
    name: str
    plan: str
    instances: tuple[int, int] = (1, 1)
    unit: float | None = 0.0
    extra: float = 0.0
    note: str = ""

    @property
    def known(self) -> bool:
        return self.unit is not None

    @property
    def low(self) -> float | None:
        return None if self.unit is None else self.unit * self.instances[0] + self.extra

    @property
    def high(self) -> float | None:
        return None if self.unit is None else self.unit * self.instances[1] + self.extra

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)

    def as_dict(self) -> dict[str, object]:
        return record(
            self,
            "kind name plan instances monthly note",
            instances=list(self.instances),
            monthly=None if not self.known else [self.low, self.high],
        )


@dataclass
class Estimate:
    """Every resource of a Blueprint, priced, and where the prices come from."""

    lines: list[Line] = field(default_factory=list)
    source: str = ""
    read: str = ""

    @property
    def low(self) -> float:
        return sum(line.low or 0.0 for line in self.lines)

    @property
    def high(self) -> float:
        return sum(line.high or 0.0 for line in self.lines)

    @property
    def unknown(self) -> list[Line]:
        return [line for line in self.lines if not line.known]

    def by_key(self) -> dict[tuple[str, str], Line]:
        return {line.key: line for line in self.lines}


def _instances(resource: Resource) -> tuple[int, int]:
    scaling = resource.mapping("scaling")
    if scaling:
        low = _int(scaling.get("minInstances"), 1)
        return low, max(low, _int(scaling.get("maxInstances"), low))
    count = _int(resource.get("numInstances"), 1)
    return count, count


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _service(resource: Resource, prices: Mapping[str, Any]) -> Line:
    kind = "static" if resource.is_static_site else str(resource.type or "service")
    plan = plan_name(resource.get("plan") or DEFAULT_SERVICE_PLAN)
    if kind == "static":
        return Line(kind, resource.name, "-", (1, 1), 0.0, 0.0, "no instance price")
    if kind == "cron":
        per_minute = prices.get("cron_per_minute", {}).get(plan)
        rate = f"${per_minute}/minute of run time" if per_minute is not None else "unpriced plan"
        return Line(kind, resource.name, plan, (1, 1), None, 0.0, f"billed per minute: {rate}")
    if kind in KEY_VALUE_TYPES:
        unit = prices.get("keyvalue", {}).get(plan)
        note = "" if unit is not None else f"plan {plan!r} is not in the price table"
        return Line("keyvalue", resource.name, plan, (1, 1), unit, 0.0, note)
    unit = prices.get("compute", {}).get(plan) if kind in INSTANCE_TYPES else None
    disk = resource.mapping("disk")
    size = disk.get("sizeGB") if isinstance(disk.get("sizeGB"), int | float) else 0
    extra = float(size) * float(prices.get("disk_per_gb", 0))
    notes = [f"disk {size} GB"] if size else []
    if unit is None:
        notes.append(f"plan {plan!r} is not in the price table")
    instances = _instances(resource)
    return Line(kind, resource.name, plan, instances, unit, extra, "; ".join(notes))


def _database(resource: Resource, prices: Mapping[str, Any]) -> Line:
    plan = plan_name(resource.get("plan") or "")
    unit = prices.get("postgres", {}).get(plan) if plan else None
    size = resource.get("diskSizeGB")
    storage = (
        float(size) * float(prices.get("postgres_storage_per_gb", 0))
        if isinstance(size, int | float)
        else 0.0
    )
    notes = [f"storage {size} GB"] if storage else []
    if unit is None:
        notes.append(
            f"plan {plan!r} is not in the price table" if plan else "no plan: Render's default"
        )
    return Line("postgres", resource.name, plan or "-", (1, 1), unit, storage, "; ".join(notes))


def estimate(blueprint: Blueprint, prices: Mapping[str, Any]) -> Estimate:
    """Every service and database of ``blueprint``, priced from ``prices``."""
    lines = [_service(service, prices) for service in blueprint.services]
    lines += [_database(database, prices) for database in blueprint.databases]
    return Estimate(lines, str(prices.get("source", "")), str(prices.get("read", "")))


def money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.2f}"


def span(low: float | None, high: float | None) -> str:
    return money(low) if low == high or low is None else f"{money(low)}-{money(high)}"


@dataclass(frozen=True)
class Change:
    """A resource added, removed or repriced between two Blueprints."""

    key: tuple[str, str]
    before: Line | None
    after: Line | None

    @property
    def delta(self) -> tuple[float, float] | None:
        old = (0.0, 0.0) if self.before is None else (self.before.low, self.before.high)
        new = (0.0, 0.0) if self.after is None else (self.after.low, self.after.high)
        if None in (*old, *new):
            return None
        return (new[0] - old[0], new[1] - old[1])  # type: ignore[operator]

    def describe(self) -> str:
        if self.before is None:
            return f"added ({self.after.plan})"  # type: ignore[union-attr]
        if self.after is None:
            return f"removed ({self.before.plan})"
        parts = []
        if self.before.plan != self.after.plan:
            parts.append(f"plan {self.before.plan} -> {self.after.plan}")
        if self.before.instances != self.after.instances:
            parts.append(f"instances {_count(self.before)} -> {_count(self.after)}")
        if self.before.extra != self.after.extra:
            parts.append(f"storage {money(self.before.extra)} -> {money(self.after.extra)}")
        return ", ".join(parts) or "repriced"


def _count(line: Line) -> str:
    low, high = line.instances
    return str(low) if low == high else f"{low}-{high}"


def compare(before: Estimate, after: Estimate) -> list[Change]:
    """What changed from ``before`` to ``after``, resource by resource."""
    old, new = before.by_key(), after.by_key()
    changes = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if (
            a is None
            or b is None
            or (a.plan, a.instances, a.extra, a.unit)
            != (
                b.plan,
                b.instances,
                b.extra,
                b.unit,
            )
        ):
            changes.append(Change(key, a, b))
    return changes


def _signed(value: float) -> str:
    return ("+" if value >= 0 else "-") + money(abs(value))


def _delta_text(delta: tuple[float, float] | None) -> str:
    if delta is None:
        return "unknown"
    low, high = delta
    return _signed(low) if low == high else f"{_signed(low)} to {_signed(high)}"


def render_text(after: Estimate, before: Estimate | None = None, base: str = "") -> str:
    rows = [
        f"{line.kind:<9} {line.name:<28} {line.plan:<14} x{_count(line):<5} "
        f"{span(line.low, line.high):>21}/month" + (f"  ({line.note})" if line.note else "")
        for line in after.lines
    ]
    lines = [*rows, f"total: {span(after.low, after.high)} per month{_left_out(after)}"]
    if before is not None:
        lines.append(f"against {base}: {span(before.low, before.high)} per month")
        for change in compare(before, after):
            lines.append(
                f"  {change.key[0]} {change.key[1]}: {change.describe()}: "
                f"{_delta_text(change.delta)}/month"
            )
        total = (after.low - before.low, after.high - before.high)
        lines.append(f"change: {_delta_text(total)} per month")
    lines.append(f"prices: {after.source}, read {after.read}")
    return "\n".join(lines)


def _left_out(estimate: Estimate) -> str:
    unknown = estimate.unknown
    if not unknown:
        return ""
    names = ", ".join(line.name for line in unknown)
    return f" (leaves out {len(unknown)} unpriced: {names})"


def render_markdown(after: Estimate, before: Estimate | None = None, base: str = "") -> str:
    lines = [
        "### Monthly cost (Render)",
        "",
        "| resource | type | plan | instances | per month | note |",
        "| --- | --- | --- | ---: | ---: | --- |",
    ]
    for line in after.lines:
        lines.append(
            f"| {line.name} | {line.kind} | {line.plan} | {_count(line)} | "
            f"{span(line.low, line.high)} | {line.note} |"
        )
    lines += ["", f"**Total: {span(after.low, after.high)} per month**{_left_out(after)}"]
    if before is not None:
        total = (after.low - before.low, after.high - before.high)
        lines += [
            "",
            f"Against `{base}` ({span(before.low, before.high)} per month): "
            f"**{_delta_text(total)} per month**",
            "",
        ]
        changes = compare(before, after)
        if changes:
            lines += ["| resource | change | per month |", "| --- | --- | ---: |"]
            lines += [f"| {c.key[1]} | {c.describe()} | {_delta_text(c.delta)} |" for c in changes]
        else:
            lines.append("No resource's price changed.")
    lines += ["", f"Prices: <{after.source}>, read {after.read}; list prices, before tax."]
    return "\n".join(lines) + "\n"


def render_json(after: Estimate, before: Estimate | None = None, base: str = "") -> str:
    payload: dict[str, object] = {
        "source": after.source,
        "read": after.read,
        "resources": [line.as_dict() for line in after.lines],
        "total": [after.low, after.high],
        "unpriced": [line.name for line in after.unknown],
    }
    if before is not None:
        payload["base"] = {"ref": base, "total": [before.low, before.high]}
        payload["change"] = [after.low - before.low, after.high - before.high]
    return json.dumps(payload, indent=2)


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def blueprint_at(base: str, path: Path) -> Blueprint:
    """The Blueprint to compare against: the file ``base`` if it is one, else ``path`` as it is
    at the git ref ``base`` (a branch, a tag, a commit). ``ConfigFileError`` when neither."""
    if Path(base).is_file():
        return usable(Blueprint.load(base), base)
    folder = path.resolve().parent
    try:
        top = _git(folder, "rev-parse", "--show-toplevel").strip()
        relative = path.resolve().relative_to(Path(top).resolve()).as_posix()
        text = _git(folder, "show", f"{base}:{relative}")
    except (OSError, subprocess.CalledProcessError, ValueError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise ConfigFileError(
            f"cannot read {path} at {base!r}: {' '.join(str(detail).split())}; "
            "--base takes a git ref or a file"
        ) from None
    return usable(Blueprint(parse_yaml(text, f"{base}:{relative}")), f"{base}:{relative}")


def usable(blueprint: Blueprint, where: str) -> Blueprint:
    if not blueprint.usable:
        raise ConfigFileError(f"cannot price {where}: it is not a Blueprint YAML mapping")
    return blueprint


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
    ).stdout
