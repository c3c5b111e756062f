"""scripts/docker-engine starts a dockerd, records its pid, and ``--stop`` stops that one only.

This is what .ci/run relies on to leave a shared host as it found it: a second dockerd, on its
own socket, data root, exec root and pidfile, is started and stopped for real, and the engine
the suites use must keep running, with the same pid, throughout.

The second dockerd runs in a network namespace of its own (``unshare --net`` then exec, so the
pid is dockerd's): a dockerd sets up, and with ``--bridge none`` deletes, the host's docker0,
which the shared engine's containers and builds need.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.container

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKER_ENGINE = REPO_ROOT / "scripts" / "docker-engine"
SHARED_PIDFILE = Path("/var/run/docker.pid")
HOST_BRIDGE = Path("/sys/class/net/docker0")


@dataclass(frozen=True)
class SecondEngine:
    """Where the second engine lives and the environment that points the script at it."""

    root: Path
    env: dict[str, str]

    @property
    def started_file(self) -> Path:
        return self.root / "started.pid"

    def docker(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["docker", *args], env=self.env, capture_output=True, text=True, timeout=60
        )


def _process_name(pid: int) -> str:
    """The name of a running process, empty when it exited (a zombie has exited too)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return ""
    name, state = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2]
    return "" if state == "Z" else name


def _shared_engine_pid() -> int | None:
    return int(SHARED_PIDFILE.read_text()) if SHARED_PIDFILE.is_file() else None


@pytest.fixture
def second_engine() -> Iterator[SecondEngine]:
    """The environment for a second dockerd; whatever it recorded is stopped at the end."""
    dockerd, unshare = shutil.which("dockerd"), shutil.which("unshare")
    if os.geteuid() != 0 or dockerd is None or unshare is None:
        pytest.skip("a second dockerd needs root, dockerd and unshare (as on the CI machines)")
    # Short: unix socket paths (containerd's, under the exec root) are limited to 108 bytes.
    root = Path(tempfile.mkdtemp(prefix="gt-dockerd-", dir="/tmp"))
    (root / "daemon.json").write_text("{}\n")
    (root / "bin").mkdir()
    wrapper = root / "bin" / "dockerd"
    wrapper.write_text(f'#!/bin/sh\nexec "{unshare}" --net -- "{dockerd}" "$@"\n')
    wrapper.chmod(0o755)
    socket = f"unix://{root}/docker.sock"
    args = [
        f"-H {socket}",
        f"--config-file {root}/daemon.json",
        f"--data-root {root}/data",
        f"--exec-root {root}/exec",
        "--containerd-namespace gradetracker-test",
        "--containerd-plugins-namespace gradetracker-test-plugins",
        # Nothing in the host's firewall either: the xtables lock is shared.
        "--iptables=false --ip-masq=false",
        "--storage-driver vfs",
    ]
    env = {
        **os.environ,
        "PATH": f"{root / 'bin'}:{os.environ['PATH']}",
        "DOCKER_HOST": socket,
        "DOCKERD_ARGS": " ".join(args),
        "DOCKERD_PIDFILE": str(root / "docker.pid"),
        "DOCKERD_LOG": str(root / "dockerd.log"),
        "DOCKER_ENGINE_STARTED_FILE": str(root / "started.pid"),
    }
    engine = SecondEngine(root, env)
    yield engine
    recorded = engine.started_file.read_text().strip() if engine.started_file.exists() else ""
    if recorded and _process_name(int(recorded)) == "dockerd":
        os.kill(int(recorded), signal.SIGTERM)
        deadline = time.monotonic() + 60
        while _process_name(int(recorded)) and time.monotonic() < deadline:
            time.sleep(0.5)
    shutil.rmtree(root, ignore_errors=True)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DOCKER_ENGINE), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_docker_engine_stops_the_dockerd_it_started_and_nothing_else(
    second_engine: SecondEngine,
) -> None:
    shared_before, bridge_before = _shared_engine_pid(), HOST_BRIDGE.exists()

    started = _run(second_engine.env)

    assert started.returncode == 0, started.stdout + started.stderr
    pid = int(second_engine.started_file.read_text())
    assert f"started dockerd (pid {pid}," in started.stdout
    assert _process_name(pid) == "dockerd"
    root_dir = second_engine.docker("info", "--format", "{{ .DockerRootDir }}")
    assert root_dir.stdout.strip() == f"{second_engine.root}/data", "not the engine started"

    stopped = _run(second_engine.env, "--stop")

    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert f"dockerd (pid {pid}) stopped" in stopped.stdout
    assert _process_name(pid) == "", f"dockerd {pid} still runs"
    assert second_engine.started_file.read_text() == "", "the record should be cleared"
    shared = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    assert shared.returncode == 0, f"the shared engine stopped answering: {shared.stderr}"
    assert _shared_engine_pid() == shared_before, "the shared engine was restarted"
    assert HOST_BRIDGE.exists() == bridge_before, "the host's docker0 bridge was changed"
