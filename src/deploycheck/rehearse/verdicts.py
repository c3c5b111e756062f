"""Verdict checks: each returns the problems it sees in what a scenario recorded (empty: the
scenario held its promise), so a broken variant's test can assert *which* promise it broke."""

from __future__ import annotations

from collections import Counter

from deploycheck.rehearse.load import Record


def failed(records: list[Record]) -> list[Record]:
    return [r for r in records if not r.ok]


def no_failed_requests(records: list[Record]) -> list[str]:
    bad = failed(records)
    if not bad:
        return []
    kinds = Counter((r.status, r.error[:60]) for r in bad)
    listed = ", ".join(
        f"{count} x {status} {error}".strip() for (status, error), count in kinds.most_common(4)
    )
    return [f"{len(bad)} of {len(records)} requests failed ({listed})"]


def no_lost_writes(lost: list[int]) -> list[str]:
    return [f"{len(lost)} acknowledged writes are gone (ids {lost[:10]})"] if lost else []


def served_by(records: list[Record], instance: str, after: float = 0.0) -> list[str]:
    if any(r.ok and r.instance == instance and r.sent >= after for r in records):
        return []
    return [f"no request was answered by {instance} after {after:.1f} s"]


def clean_exit(name: str, exit_code: int, seconds: float, window: float) -> list[str]:
    problems = []
    if exit_code != 0:
        problems.append(f"{name} exited {exit_code} on SIGTERM, not 0")
    if seconds > window:
        problems.append(f"{name} took {seconds:.1f} s to stop, over the {window:.0f} s window")
    return problems


def recovered(records: list[Record], since: float) -> list[str]:
    """Every request sent from ``since`` on succeeded (and there were some)."""
    late = [r for r in records if r.sent >= since]
    if not late:
        return [f"no request was sent after {since:.1f} s"]
    bad = [r for r in late if not r.ok]
    return [f"{len(bad)} of {len(late)} requests failed after {since:.1f} s"] if bad else []
