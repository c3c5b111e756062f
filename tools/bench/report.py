"""``reports/capacity.json`` and ``capacity.md`` with charts (matplotlib, PNG files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CHART_DIR = "capacity"


def write(data: dict[str, Any], report_dir: Path) -> list[Path]:
    """Write the JSON, the charts and the Markdown; returns the paths written."""
    report_dir.mkdir(parents=True, exist_ok=True)
    json_path = report_dir / "capacity.json"
    json_path.write_text(json.dumps(data, indent=2) + "\n")
    charts = _charts(data, report_dir / CHART_DIR)
    md_path = report_dir / "capacity.md"
    md_path.write_text(markdown(data, [c.relative_to(report_dir) for c in charts]))
    return [json_path, md_path, *charts]


def _charts(data: dict[str, Any], chart_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    chart_dir.mkdir(parents=True, exist_ok=True)
    paths = []

    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.4
    for i, (key, rows) in enumerate(data["endpoints"].items()):
        names = [row["name"] for row in rows]
        rates = [row["saturation"]["rate"] for row in rows]
        ax.barh(
            [y + i * width for y in range(len(names))],
            rates,
            height=width,
            label=data["profiles"][key]["label"],
        )
        ax.set_yticks([y + width / 2 for y in range(len(names))], names)
    ax.invert_yaxis()
    ax.set_xlabel("req/s at saturation (wrk, one instance)")
    ax.legend()
    paths.append(_saved(fig, chart_dir / "endpoints.png"))

    fig, axes = plt.subplots(1, len(data["cost_growth"]), figsize=(10, 4), squeeze=False)
    for ax, (key, pages) in zip(axes[0], data["cost_growth"].items(), strict=True):
        for page, by_size in pages.items():
            sizes = [int(size) for size in by_size]
            ax.plot(sizes, list(by_size.values()), marker="o", label=page)
        ax.set_title(data["profiles"][key]["label"], fontsize=9)
        ax.set_xlabel("students in the course (20 assignments)")
        ax.set_ylabel("ms for one request (median)")
    axes[0][0].legend(fontsize=7)
    paths.append(_saved(fig, chart_dir / "cost-growth.png"))

    fig, ax = plt.subplots(figsize=(7, 4))
    for key, scale in data["scale_out"].items():
        xs = [p["rate"] for p in scale["points"]] + [scale["saturation_rate"]]
        cpus = data["profiles"][key]["cpus"]
        ys = [100 * p["cpus"] / cpus for p in scale["points"]] + [scale["saturation_cpu_percent"]]
        ax.plot(xs, ys, marker="o", label=data["profiles"][key]["label"])
    ax.axhline(data["plan"]["target_cpu_percent"], linestyle="--", color="grey")
    ax.set_xlabel("mix req/s on one instance")
    ax.set_ylabel("% of the plan's CPU")
    ax.legend()
    paths.append(_saved(fig, chart_dir / "scale-out.png"))

    fig, ax = plt.subplots(figsize=(8, 3.5))
    for key, block in data["configs"].items():
        names = [row["name"] for row in block["results"]]
        ax.barh(
            names,
            [row["saturation"]["rate"] for row in block["results"]],
            alpha=0.7,
            label=data["profiles"][key]["label"],
        )
    ax.invert_yaxis()
    ax.set_xlabel("mix req/s at saturation")
    ax.legend(fontsize=8)
    paths.append(_saved(fig, chart_dir / "configs.png"))
    return paths


def _saved(fig: Any, path: Path) -> Path:
    """Write ``fig`` to ``path`` and free it (pyplot keeps every open figure)."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _cost_sentence(scale: dict[str, Any]) -> str:
    price, cost = scale.get("plan_price_month"), scale.get("cost_per_100_rps_month")
    if cost is None:
        return "The plan has no price in deploycheck's table, so no cost per load is given."
    return (
        f"At ${price:g} per instance-month (Render's prices read {scale['prices_read']}), "
        f"each sustained 100 req/s of this mix costs about **${cost:g} a month**."
    )


def markdown(data: dict[str, Any], charts: list[Path]) -> str:
    plan = data["plan"]
    out = [
        "# Capacity report\n",
        f"Generated {data['generated']} by `scripts/bench` ({data['mode']} mode, "
        f"{data['seconds_per_load_run']} s per load run, {data['connections']} connections, "
        f"{data['tool']}, host with {data['host_cpus']} CPUs shared with the load tool). "
        "Read the ratios; absolute figures move with the machine's load.\n",
        f"Blueprint: plan `{plan['name']}` = {plan['cpus']} CPU / {plan['memory_mb']} MB per "
        f"Render's docs; scaling {plan['min_instances']}-{plan['max_instances']} instances at "
        f"{plan['target_cpu_percent']:g}% CPU / {plan['target_memory_percent']:g}% memory. "
        f"Image: {data['image_size_mb']} MB.\n",
        "## Targets (issue 13, stated at 0.5 CPU)\n",
        _table(
            ["what", "target", "measured", "met"],
            [
                [
                    t["what"],
                    f"{t['target']} {t['unit']}",
                    f"{t['measured']} {t['unit']}",
                    "yes" if t["met"] else "**no**",
                ]
                for t in data["targets"]
            ],
        ),
        "## Start-up\n",
        _table(
            ["limits", "container start to first answered /health, median", "every start"],
            [
                [
                    data["profiles"][k]["label"],
                    f"{v} s",
                    ", ".join(f"{s} s" for s in data["startup_samples"][k]),
                ]
                for k, v in data["startup_seconds"].items()
            ],
        ),
    ]
    for key, block in data["read_ratios"].items():
        names = list(block["rounds"][0])
        out.append(
            f"## Cached reads vs the static file, in rounds: {data['profiles'][key]['label']}\n"
        )
        out.append(
            _table(
                ["round", *[f"{name} req/s" for name in names]],
                [[i + 1, *r.values()] for i, r in enumerate(block["rounds"])],
            )
        )
        out.append(
            "Median ratio to the static file: "
            + ", ".join(f"{name} {ratio}x" for name, ratio in block["median_ratio"].items())
            + ".\n"
        )
    for key, rows in data["endpoints"].items():
        out.append(f"## Endpoints: {data['profiles'][key]['label']}\n")
        out.append(
            _table(
                [
                    "endpoint",
                    "req/s (saturation)",
                    "x static",
                    "CPU % of plan",
                    "CPU ms/req",
                    "peak MB",
                    "fixed rate (achieved)",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "errors",
                ],
                [
                    [
                        r["name"],
                        r["saturation"]["rate"],
                        r["relative_to_static"],
                        r["saturation"]["cpu_percent_of_plan"],
                        r["saturation"]["cpu_ms_per_request"],
                        r["saturation"]["peak_memory_mb"],
                        f"{r['fixed_rate']['target_rate']:g} ({r['fixed_rate']['achieved_rate']})",
                        r["fixed_rate"]["p50_ms"],
                        r["fixed_rate"]["p95_ms"],
                        r["fixed_rate"]["p99_ms"],
                        r["saturation"]["errors"] + r["fixed_rate"]["errors"],
                    ]
                    for r in rows
                ],
            )
        )
    for key, block in data["configs"].items():
        out.append(f"## gunicorn configurations: {data['profiles'][key]['label']}\n")
        out.append(
            _table(
                [
                    "configuration",
                    "start-up s",
                    "mix req/s",
                    "CPU cores",
                    "peak MB",
                    "p99 ms at half rate",
                ],
                [
                    [
                        r["name"],
                        r["startup_seconds"],
                        r["saturation"]["rate"],
                        r["saturation"]["cpus"],
                        r["saturation"]["peak_memory_mb"],
                        r["fixed_rate"]["p99_ms"],
                    ]
                    for r in block["results"]
                ],
            )
        )
        rec = block["recommendation"]
        verdict = (
            f"Recommended: **{rec['recommended']}** ({rec['recommended_gain_percent']:+g}% vs "
            f"the current one; fastest: {rec['fastest']}, {rec['fastest_gain_percent']:+g}%; a "
            f"change needs more than {rec['margin_percent']}% and no worse p99)."
        )
        out.append(verdict + "\n")
    for key, scale in data["scale_out"].items():
        out.append(f"## Scale-out: {data['profiles'][key]['label']}\n")
        out.append(
            f"The mix saturates one instance at {scale['saturation_rate']} req/s "
            f"({scale['saturation_cpu_percent']}% of its CPU). The CPU target "
            f"({scale['cpu_target_cores']} cores) is reached at about "
            f"**{scale['rate_at_cpu_target']} req/s**: above that Render adds an instance. "
            f"Peak memory {scale['peak_memory_mb']} MB = {scale['memory_percent_at_saturation']}% "
            f"(target {scale['memory_target_mb']} MB: "
            f"{'reached' if scale['memory_triggers_scaling'] else 'never reached'}). "
            f"Ceiling with {scale['max_instances']} instances: about "
            f"**{scale['ceiling_rate']} req/s**, if PostgreSQL and Redis keep up. "
            + _cost_sentence(scale)
            + "\n"
        )
    out.append("## Cost as the class grows (one request, median ms)\n")
    for key, pages in data["cost_growth"].items():
        sizes = list(next(iter(pages.values())))
        out.append(f"{data['profiles'][key]['label']}:\n\n")
        out.append(
            _table(
                ["page", *[f"{s} students" for s in sizes]],
                [[page, *by_size.values()] for page, by_size in pages.items()],
            )
        )
    out.append("## Charts\n")
    out += [f"![{chart.stem}]({chart.as_posix()})\n" for chart in charts]
    return "\n".join(out)
