"""scripts/docker-engine and scripts/test on a laptop: a user who is not root, Docker Desktop,
no engine. They must say exactly what to do and never try apt-get (or sudo, or start an
engine); and ``--stop`` signals only a dockerd this script recorded, never another process.

The scripts run for real with the real docker CLI, as a user who is not root (nobody, when the
tests run as root), with recording stand-ins for apt-get, sudo, systemctl and dockerd on PATH.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from deploycheck.testing.engine import docker_required

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ("docker-engine", "test")
# What a laptop run must never call; each stand-in records the call and fails.
RECORDED = ("apt-get", "sudo", "systemctl", "dockerd", "debootstrap")
# What the scripts need when the docker CLI is left off PATH.
BASE_TOOLS = ("bash", "env", "id", "uname", "grep", "ps", "tr", "head", "tail", "cat", "rm")
NOBODY = 65534


@dataclass(frozen=True)
class Sandbox:
    """A copy of the scripts in a directory the unprivileged user owns, and its PATH."""

    root: Path
    bin: Path
    calls: Path
    uid: int

    def run(
        self, command: list[str], env: dict[str, str], path: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``command`` as the sandbox's user; a bare name is one of the copied scripts."""
        if "/" not in command[0]:
            command = [str(self.root / "scripts" / command[0]), *command[1:]]
        if self.uid != os.geteuid():
            setpriv = shutil.which("setpriv")
            assert setpriv, "setpriv (util-linux) is needed to run as a user who is not root"
            command = [
                setpriv,
                f"--reuid={NOBODY}",
                f"--regid={NOBODY}",
                "--clear-groups",
                *command,
            ]
        search = path or f"{self.bin}:{os.environ['PATH']}"
        full_env = {"HOME": str(self.root), "PATH": search, **env}
        return subprocess.run(
            command, env=full_env, capture_output=True, text=True, timeout=60, check=False
        )

    def recorded_calls(self) -> list[str]:
        return self.calls.read_text().splitlines()


def _write_script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """The scripts and recording stand-ins, owned by the user who runs them (nobody as root)."""
    # Not under pytest's temporary root, which only its owner may enter.
    root = Path(tempfile.mkdtemp(prefix="gradetracker-laptop."))
    (root / "scripts").mkdir()
    for script in SCRIPTS:
        shutil.copy2(REPO_ROOT / "scripts" / script, root / "scripts" / script)
    bin_dir, calls = root / "bin", root / "calls.log"
    bin_dir.mkdir()
    calls.touch()
    for name in RECORDED:
        _write_script(bin_dir / name, f'echo "{name} $*" >>"{calls}"\nexit 97\n')
    uid = NOBODY if os.geteuid() == 0 else os.geteuid()
    for path in [root, *root.rglob("*")]:
        os.chown(path, uid, -1, follow_symlinks=False)
    yield Sandbox(root, bin_dir, calls, uid)
    shutil.rmtree(root)


@pytest.fixture
def docker_cli() -> str:
    """The real docker CLI, whose own error messages the scripts read."""
    found = shutil.which("docker")
    if found is None:
        reason = "the docker CLI is not installed, so its messages cannot be read"
        if docker_required(False):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return found


def _dead_socket(sandbox: Sandbox) -> str:
    return f"unix://{sandbox.root}/no-engine.sock"


def _assert_says_and_installs_nothing(
    done: subprocess.CompletedProcess[str], sandbox: Sandbox, advice: str
) -> None:
    __tracebackhide__ = True
    output = done.stdout + done.stderr
    assert done.returncode == 1, f"expected exit 1, got {done.returncode}:\n{output}"
    assert f"To do: {advice}" in output, f"expected the advice {advice!r}, got:\n{output}"
    assert sandbox.recorded_calls() == [], f"a laptop run called {sandbox.recorded_calls()}"


def test_no_engine_behind_docker_host_names_it(sandbox: Sandbox, docker_cli: str) -> None:
    dead = _dead_socket(sandbox)

    done = sandbox.run(["docker-engine"], {"DOCKER_HOST": dead})

    _assert_says_and_installs_nothing(done, sandbox, f"DOCKER_HOST={dead} does not answer")
    assert "Cannot connect to the Docker daemon" in done.stderr, "the cause should be shown"


def test_docker_desktop_that_is_not_running_is_named(sandbox: Sandbox, docker_cli: str) -> None:
    # Docker Desktop on Linux talks through a context of this name, to a socket in HOME.
    desktop = f"unix://{sandbox.root}/.docker/desktop/docker.sock"
    docker = [docker_cli, "context"]
    created = sandbox.run([*docker, "create", "desktop-linux", "--docker", f"host={desktop}"], {})
    assert created.returncode == 0, created.stderr
    used = sandbox.run([*docker, "use", "desktop-linux"], {})
    assert used.returncode == 0, used.stderr

    done = sandbox.run(["docker-engine"], {})

    _assert_says_and_installs_nothing(done, sandbox, "start Docker Desktop")


def test_a_socket_the_user_may_not_use_gets_the_group_advice(
    sandbox: Sandbox, docker_cli: str
) -> None:
    locked = sandbox.root / "locked.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(locked))
        listener.listen()
        locked.chmod(0)

        done = sandbox.run(["docker-engine"], {"DOCKER_HOST": f"unix://{locked}"})

    _assert_says_and_installs_nothing(
        done, sandbox, "your user may not use the Docker socket: run 'sudo usermod -aG docker"
    )


def test_no_docker_cli_gets_the_install_advice(sandbox: Sandbox) -> None:
    tools = sandbox.root / "tools"
    tools.mkdir()
    for tool in BASE_TOOLS:
        found = shutil.which(tool, path="/usr/bin:/bin")
        assert found, f"{tool} is needed to run the scripts"
        (tools / tool).symlink_to(found)

    done = sandbox.run(["docker-engine"], {}, path=f"{sandbox.bin}:{tools}")

    _assert_says_and_installs_nothing(done, sandbox, "install Docker Desktop (macOS, Windows)")


def test_the_test_command_stops_at_the_engine_with_the_same_advice(
    sandbox: Sandbox, docker_cli: str
) -> None:
    dead = _dead_socket(sandbox)

    done = sandbox.run(["test", "-e", "unit"], {"DOCKER_HOST": dead})

    _assert_says_and_installs_nothing(done, sandbox, f"DOCKER_HOST={dead} does not answer")
    assert "==> docker engine" in done.stdout
    assert "==> suite images" not in done.stdout, "nothing may run without an engine"


@pytest.fixture
def started_file(sandbox: Sandbox) -> Path:
    """Where scripts/docker-engine records the pid of a dockerd it started."""
    path = sandbox.root / "started.pid"
    path.touch()
    os.chown(path, sandbox.uid, -1)
    return path


def test_stop_refuses_a_recorded_pid_that_is_not_dockerd(
    sandbox: Sandbox, started_file: Path
) -> None:
    # A pid that was reused by another process after dockerd exited: never signal it.
    other = subprocess.Popen(["sleep", "60"])
    try:
        started_file.write_text(f"{other.pid}\n")

        done = sandbox.run(
            ["docker-engine", "--stop"], {"DOCKER_ENGINE_STARTED_FILE": str(started_file)}
        )

        assert done.returncode == 1, done.stdout + done.stderr
        assert f"pid {other.pid} in {started_file} is 'sleep', not dockerd" in done.stderr
        assert other.poll() is None, "the process that is not dockerd was signalled"
    finally:
        other.kill()
        other.wait()


def test_stop_with_nothing_recorded_stops_nothing(sandbox: Sandbox, started_file: Path) -> None:
    done = sandbox.run(
        ["docker-engine", "--stop"], {"DOCKER_ENGINE_STARTED_FILE": str(started_file)}
    )

    assert done.returncode == 0, done.stderr
    assert "nothing to stop" in done.stdout


def test_stop_of_a_dockerd_that_already_exited_clears_the_record(
    sandbox: Sandbox, started_file: Path
) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    started_file.write_text(f"{gone.pid}\n")

    done = sandbox.run(
        ["docker-engine", "--stop"], {"DOCKER_ENGINE_STARTED_FILE": str(started_file)}
    )

    assert done.returncode == 0, done.stderr
    assert f"dockerd (pid {gone.pid}) has already exited" in done.stdout
    assert started_file.read_text() == ""
