"""CI's check of a benchmark report: the numbers are there, whatever their values.

A benchmark is not a timed test, so nothing here compares a figure with a threshold; it fails
when a section is missing or a figure is not a finite number (a run that measured nothing).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

REQUIRED = ("endpoints", "configs", "scale_out")


def _numbers(value: Any, where: str) -> list[str]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _numbers(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _numbers(item, f"{where}[{i}]")]
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{where} is {value}"]
    return []


def problems(data: Any) -> list[str]:
    """Every reason ``data`` is not a complete capacity report (empty when it is)."""
    if not isinstance(data, dict):
        return ["the report is not a JSON object"]
    found = [f"missing section {name!r}" for name in REQUIRED if not data.get(name)]
    for key, rows in (data.get("endpoints") or {}).items():
        for row in rows:
            if not row.get("saturation", {}).get("rate"):
                found.append(f"endpoints.{key}: {row.get('name')!r} has no saturation rate")
    for key, block in (data.get("configs") or {}).items():
        if not block.get("results") or "recommendation" not in block:
            found.append(f"configs.{key}: no results or no recommendation")
    for key, scale in (data.get("scale_out") or {}).items():
        for name in ("rate_at_cpu_target", "ceiling_rate", "peak_memory_mb"):
            if not isinstance(scale.get(name), int | float):
                found.append(f"scale_out.{key}: {name} is not a number")
        # A priced plan must give its cost per load; an unpriced one says so with None.
        if scale.get("plan_price_month") is not None and not isinstance(
            scale.get("cost_per_100_rps_month"), int | float
        ):
            found.append(f"scale_out.{key}: cost_per_100_rps_month is not a number")
    return found + _numbers(data, "report")


def main(path: str = "reports/capacity.json") -> int:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {path}: {exc}")
        return 1
    found = problems(data)
    for problem in found:
        print(f"{path}: {problem}")
    if not found:
        print(f"{path}: endpoints, configs and scale_out present with numbers")
    return 1 if found else 0
