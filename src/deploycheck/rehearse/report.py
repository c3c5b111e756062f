"""The rehearsal report: ``reports/rehearsal.json`` and ``reports/rehearsal.md`` with one
timeline chart per scenario beside it (requests per second by outcome and each request's
latency, the scenario's events marked on both).

The verdict of a scenario is its test's outcome, so the report can never say "pass" for a
scenario whose assertions failed.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display on CI hosts
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

from deploycheck.rehearse.load import Record  # noqa: E402

CHART_DIR = "rehearsal"
# An event's label on a chart is cut to this (the report lists it whole).
LABEL_CHARS = 30
OUTCOMES = (
    ("ok", "tab:green"),
    ("refused", "tab:orange"),
    ("error", "tab:red"),
    ("no answer", "black"),
)


def outcome(record: Record) -> str:
    if record.status == 0:
        return "no answer"
    if record.ok:
        return "ok"
    if record.status in (429, 503):
        return "refused"
    return "error"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[max(0, min(98, math.ceil(share * 100) - 1))]


@dataclass
class ScenarioResult:
    """What one scenario did and saw."""

    name: str
    log_dir: Path
    records: list[Record] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)
    writes_lost: int = 0
    notes: list[str] = field(default_factory=list)
    verdict: str = "fail"

    def summary(self) -> dict[str, Any]:
        latencies = [r.latency_ms for r in self.records]
        return {
            "name": self.name,
            "verdict": self.verdict,
            "requests_total": len(self.records),
            "requests_failed": sum(1 for r in self.records if not r.ok),
            "writes_acknowledged": sum(1 for r in self.records if r.ack_id is not None),
            "writes_lost": self.writes_lost,
            "p50_ms": round(percentile(latencies, 0.50), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
            "events": [{"t": t, "event": label} for t, label in self.events],
            "outcomes": dict(Counter(outcome(r) for r in self.records)),
            "notes": " ".join(self.notes),
        }

    def chart(self, path: Path) -> None:
        """Two panels on the load's clock, events as vertical lines on both: requests per
        second (by send time) stacked by outcome, and each request's latency by outcome."""
        end = max([r.sent for r in self.records] + [t for t, _ in self.events] + [1.0])
        seconds = range(int(end) + 1)
        figure, (rate, latency) = plt.subplots(
            2, 1, figsize=(9, 5.4), sharex=True, height_ratios=(3, 2)
        )
        bottom = [0] * len(seconds)
        for name, colour in OUTCOMES:
            chosen = [r for r in self.records if outcome(r) == name]
            counts = Counter(int(r.sent) for r in chosen)
            heights = [counts.get(s, 0) for s in seconds]
            if any(heights):
                rate.bar(
                    seconds,
                    heights,
                    bottom=bottom,
                    width=1.0,
                    color=colour,
                    label=name,
                    align="edge",
                )
                bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
                latency.scatter(
                    [r.sent for r in chosen], [r.latency_ms for r in chosen], s=4, color=colour
                )
        top = max(bottom + [1])
        for t, label in self.events:
            for axes in (rate, latency):
                axes.axvline(t, color="tab:blue", linewidth=0.8, linestyle="--")
            short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
            rate.text(t, top * 1.02, short, rotation=90, fontsize=7, va="bottom", ha="right")
        rate.set_ylabel("requests / s")
        rate.set_ylim(0, top * 1.9)
        rate.set_title(f"{self.name}: {self.verdict}")
        if self.records:
            rate.legend(loc="upper right", fontsize=7)
            latency.set_yscale("log")
        latency.set_ylabel("latency ms")
        latency.set_xlabel("seconds since the scenario's load started")
        figure.tight_layout()
        figure.savefig(path, dpi=90)
        plt.close(figure)


@dataclass
class RehearsalReport:
    """Every scenario of the run, written once at the end of the session."""

    scenarios: list[ScenarioResult] = field(default_factory=list)
    rejected_variants: list[dict[str, str]] = field(default_factory=list)
    # What the run emulated and what it did not check (generated values, no write probe).
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [s.name for s in self.scenarios if s.verdict == "fail"]

    def write(self, report_dir: Path) -> None:
        if not self.scenarios and not self.rejected_variants:
            return
        chart_dir = report_dir / CHART_DIR
        chart_dir.mkdir(parents=True, exist_ok=True)
        summaries = []
        for scenario in self.scenarios:
            scenario.chart(chart_dir / f"{scenario.name}.png")
            summaries.append(scenario.summary())
        document = {
            "scenarios": summaries,
            "rejected_variants": self.rejected_variants,
            "notes": self.notes,
        }
        (report_dir / "rehearsal.json").write_text(json.dumps(document, indent=2) + "\n")
        (report_dir / "rehearsal.md").write_text(self.markdown(summaries))

    def markdown(self, summaries: list[dict[str, Any]]) -> str:
        lines = [
            "# Deploy rehearsal",
            "",
            "Real containers behind a real load balancer (HAProxy), under bounded load; "
            "see deploycheck's docs/rehearse.md for how to read this.",
            "",
            "| scenario | verdict | requests | failed | writes acked | writes lost "
            "| p50 ms | p99 ms |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for s in summaries:
            lines.append(
                f"| [{s['name']}](#{s['name']}) | **{s['verdict']}** | {s['requests_total']} | "
                f"{s['requests_failed']} | {s['writes_acknowledged']} | {s['writes_lost']} | "
                f"{s['p50_ms']} | {s['p99_ms']} |"
            )
        if self.notes:
            lines += [""] + [f"- {note}" for note in self.notes]
        if self.rejected_variants:
            lines += ["", "## Broken variants the rehearsal rejects", ""]
            lines += ["| scenario | variant | rejected because |", "| --- | --- | --- |"]
            for v in self.rejected_variants:
                lines.append(f"| {v['scenario']} | {v['variant']} | {v['reason']} |")
        for s in summaries:
            lines += [
                "",
                f"## {s['name']}",
                "",
                f"![{s['name']} timeline]({CHART_DIR}/{s['name']}.png)",
                "",
            ]
            if s["notes"]:
                lines += [s["notes"], ""]
            lines += [f"- {e['t']:.1f} s: {e['event']}" for e in s["events"]]
        return "\n".join(lines) + "\n"
