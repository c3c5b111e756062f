"""Render's deploy sequence, step by step, on a rehearsal stack: pre-deploy command while the
old version serves, new instance, health gate, traffic, drain and SIGTERM of the old one."""

from __future__ import annotations

import time
from dataclasses import dataclass

from deploycheck.rehearse.instances import Instance
from deploycheck.rehearse.stack import Stack

# How long the old and new versions serve side by side before the old one drains.
OVERLAP_SECONDS = 3.0
DRAIN_SECONDS = 1.0


@dataclass(frozen=True)
class Stopped:
    """How an instance ended after SIGTERM."""

    exit_code: int
    seconds: float


def sigterm(instance: Instance, window: int) -> Stopped:
    """``docker stop``: SIGTERM, then SIGKILL after ``window`` seconds (Render's
    maxShutdownDelaySeconds); the container stays for its logs until the stack goes."""
    wrapped = instance.container.get_wrapped_container()
    started = time.monotonic()
    wrapped.stop(timeout=window)
    seconds = time.monotonic() - started
    wrapped.reload()
    return Stopped(int(wrapped.attrs["State"]["ExitCode"]), seconds)


def rolling_deploy(
    stack: Stack,
    old: Instance,
    new_image: str,
    name: str = "v2",
    *,
    health_gated: bool = True,
    env: dict[str, str] | None = None,
) -> tuple[Instance, Stopped]:
    """Deploy ``new_image`` over ``old`` as Render does; ``health_gated=False`` is the broken
    deploy that moves traffic before the new instance answers its health check."""
    timeline = stack.timeline
    timeline.mark(f"pre-deploy: {stack.target.pre_deploy_command}")
    stack.fleet.pre_deploy(new_image)
    timeline.mark(f"{name} starts")
    new = stack.fleet.start(name, new_image, env)
    if health_gated:
        stack.route(new)
        timeline.mark(f"{name} healthy, gets traffic")
        time.sleep(OVERLAP_SECONDS)
    else:
        stack.route(new, health_checked=False, wait=False)
        timeline.mark(f"{name} routed without a health check")
    stack.balancer.drain(old.name)
    timeline.mark(f"{old.name} drained")
    time.sleep(DRAIN_SECONDS)
    timeline.mark(f"{old.name} SIGTERM")
    stopped = sigterm(old, stack.target.shutdown_window)
    timeline.mark(f"{old.name} exited {stopped.exit_code}")
    stack.balancer.remove_server(old.name)
    return new, stopped
