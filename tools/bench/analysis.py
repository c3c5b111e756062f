"""Pure arithmetic on measured figures: scale-out points, the config verdict, the targets."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

# A configuration must beat the current one by more than this to be recommended instead:
# two runs of the same image on this machine differed by up to a third in absolute figures.
MARGIN = 0.10


def fit_line(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares ``(slope, intercept)`` of y over x; needs two distinct x values."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        raise ValueError("need load points at two different rates")
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return slope, mean_y - slope * mean_x


def cost_per_100_rps(monthly_price: float | None, rate_at_cpu_target: float) -> float | None:
    """What 100 req/s sustained costs a month: the instance's price over the rate one instance
    carries before Render adds another (its CPU target). None when the plan has no price."""
    if monthly_price is None or rate_at_cpu_target <= 0:
        return None
    return round(monthly_price * 100 / rate_at_cpu_target, 2)


def scale_out(
    points: Sequence[tuple[float, float]],
    *,
    saturation_rate: float,
    saturation_cpus: float,
    peak_memory_mb: float,
    cpus: float,
    memory_mb: int,
    target_cpu_percent: float,
    target_memory_percent: float,
    max_instances: int,
) -> dict[str, Any]:
    """Where one instance crosses the autoscaling targets and what ``max_instances`` carry.

    ``points`` are (achieved req/s, CPU cores used) at fixed rates plus the saturation run.
    The CPU target is a share of the plan's CPU (80% of 0.5 CPU is 0.4 cores); the rate that
    reaches it comes from a straight line through the points, capped at saturation.
    """
    cpu_target = cpus * target_cpu_percent / 100
    slope, intercept = fit_line([*points, (saturation_rate, saturation_cpus)])
    at_target = (cpu_target - intercept) / slope if slope > 0 else saturation_rate
    at_target = max(0.0, min(at_target, saturation_rate))
    memory_target = memory_mb * target_memory_percent / 100
    return {
        "cpu_target_cores": round(cpu_target, 3),
        "cpu_cores_per_100_rps": round(slope * 100, 4),
        "idle_cpu_cores": round(intercept, 4),
        "rate_at_cpu_target": round(at_target, 1),
        "saturation_rate": round(saturation_rate, 1),
        "saturation_cpu_percent": round(100 * saturation_cpus / cpus, 1),
        "memory_target_mb": round(memory_target),
        "peak_memory_mb": round(peak_memory_mb, 1),
        "memory_percent_at_saturation": round(100 * peak_memory_mb / memory_mb, 1),
        "memory_triggers_scaling": peak_memory_mb >= memory_target,
        "max_instances": max_instances,
        "ceiling_rate": round(saturation_rate * max_instances, 1),
        "rate_before_second_instance": round(at_target, 1),
        "points": [{"rate": round(x, 1), "cpus": round(y, 4)} for x, y in points],
    }


def recommend(configs: Sequence[dict[str, Any]], current: str) -> dict[str, Any]:
    """The configuration the numbers support: the current one unless others carry more than
    ``MARGIN`` more load at saturation without a worse p99 at the fixed rate; then the one of
    those that carries most."""
    by_name = {config["name"]: config for config in configs}
    base = by_name[current]

    def gain(config: dict[str, Any]) -> float:
        return config["saturation"]["rate"] / base["saturation"]["rate"] - 1

    better = [
        config
        for config in configs
        if config["name"] != current
        and gain(config) > MARGIN
        and config["fixed_rate"]["p99_ms"] <= base["fixed_rate"]["p99_ms"]
    ]
    chosen = max(better, key=gain) if better else base
    best = max(configs, key=gain)
    return {
        "current": current,
        "recommended": chosen["name"],
        "gunicorn_args": chosen["gunicorn_args"],
        "recommended_gain_percent": round(100 * gain(chosen), 1),
        "fastest": best["name"],
        "fastest_gain_percent": round(100 * gain(best), 1),
        "margin_percent": round(100 * MARGIN),
        "change": bool(better),
    }


def target(what: str, wanted: str, measured: float, met: bool, unit: str) -> dict[str, Any]:
    return {
        "what": what,
        "target": wanted,
        "measured": round(measured, 3),
        "unit": unit,
        "met": met,
    }


def read_ratios(rounds: Sequence[Mapping[str, float]], static: str) -> dict[str, Any]:
    """Each read's rate over the ``static`` file's in every round, and the median of those
    ratios (0.0, a missed target, when no round measured the static file at all)."""
    names = [name for name in rounds[0] if name != static] if rounds else []
    ratios = {name: [round(r[name] / r[static], 3) for r in rounds if r[static]] for name in names}
    return {
        "rounds": [dict(r) for r in rounds],
        "ratios": ratios,
        "median_ratio": {
            name: statistics.median(values) if values else 0.0 for name, values in ratios.items()
        },
    }
