"""The Blueprint's background workers, run beside the web service during a scenario: each its
own container with its own env (wired like the web service's) and ``dockerCommand``, on the
stack's network. A worker that exits during a scenario is reported with its last log line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from deploycheck.rehearse.instances import Fleet, Instance
from deploycheck.rehearse.stack import Stack
from deploycheck.rehearse.target import DeployTarget, Wiring


@contextmanager
def running_workers(
    stack: Stack,
    workers: Sequence[DeployTarget],
    images: Mapping[str, str],
    dashboard: Mapping[str, str],
    extra_env: Mapping[str, str],
) -> Iterator[list[Instance]]:
    """``workers`` started on ``stack``'s network (``images`` by worker name), removed on
    leaving."""
    wiring = Wiring(
        stack.postgres.network_url(driver=None) if stack.postgres else "",
        stack.redis.network_url() if stack.redis else "",
        dashboard,
    )
    fleets = []
    try:
        for worker in workers:
            fleet = Fleet(worker, stack.network, {**worker.environment(wiring), **extra_env})
            fleets.append(fleet)
            fleet.start(worker.name, images[worker.name], command=worker.docker_command)
            stack.timeline.mark(f"worker {worker.name} starts")
        yield [instance for fleet in fleets for instance in fleet.instances]
    finally:
        for fleet in fleets:
            fleet.stop_all()


def worker_report(instances: Sequence[Instance], log_dir: Path) -> tuple[list[str], list[str]]:
    """(problems, notes) of the workers after a scenario; their logs go to ``log_dir``."""
    problems, notes = [], []
    log_dir.mkdir(parents=True, exist_ok=True)
    for instance in instances:
        logs = instance.logs()
        (log_dir / f"worker-{instance.name}.log").write_text(logs)
        lines = [line for line in logs.splitlines() if line.strip()]
        state = instance.state()
        if not state.get("Running"):
            last = lines[-1] if lines else "(no log line)"
            problems.append(f"worker {instance.name} exited {state.get('ExitCode')}: {last}")
        else:
            notes.append(f"Worker {instance.name} ran throughout ({len(lines)} log lines).")
    return problems, notes
