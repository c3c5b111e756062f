"""App instances as Render runs them: the image with the plan's CPU and memory limits, the
Blueprint's environment, reachable by the balancer under a name on the stack's network, and
one-off containers for the pre-deploy command and the workload's setup command."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import requests
from testcontainers.core.network import Network

from deploycheck.errors import CommandFailedError
from deploycheck.rehearse.target import DeployTarget
from deploycheck.testing.builds import TEST_LABELS
from deploycheck.testing.container import APP_PORT, AppContainer

PORT = APP_PORT
NANO = 1_000_000_000
# One-off commands (migrations, create-token) wait at most this long.
ONE_OFF_TIMEOUT = 180


@dataclass
class Instance:
    """One app container; ``name`` is both its network alias and its balancer server name."""

    name: str
    container: AppContainer

    def exec_python(self, code: str) -> str:
        """Run ``python -c code`` in the instance (as its own user) and return the output."""
        result = self.container.get_wrapped_container().exec_run(["python", "-c", code])
        output = result.output.decode(errors="replace")
        if result.exit_code:
            raise CommandFailedError(f"python in {self.name} exited {result.exit_code}: {output}")
        return output

    def worker_pids(self) -> list[int]:
        """PIDs (in the container) of the server's workers: the children of PID 1 (gunicorn's,
        uvicorn's, puma's...); needs python in the image."""
        code = (
            "import os\n"
            "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
            "    try: stat = open(f'/proc/{pid}/stat').read()\n"
            "    except OSError: continue\n"
            "    if stat.rsplit(')', 1)[1].split()[1] == '1': print(pid)\n"
        )
        return sorted(int(line) for line in self.exec_python(code).split())

    def signal(self, pid: int, signal_name: str) -> None:
        self.exec_python(f"import os, signal; os.kill({pid}, signal.{signal_name})")

    def address(self, network: str) -> str:
        """The instance's IP address on ``network``."""
        wrapped = self.container.get_wrapped_container()
        wrapped.reload()
        return wrapped.attrs["NetworkSettings"]["Networks"][network]["IPAddress"]

    def logs(self) -> str:
        return self.container.logs_text()

    def first_error_line(self) -> str:
        """The first error the instance logged (the app logs JSON lines; anything else that
        reads like an error counts too), for a failed deploy's reason."""
        for line in self.logs().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                if any(word in line.lower() for word in ("error", "refusing", "traceback")):
                    return line.strip()
                continue
            if isinstance(entry, dict) and entry.get("level") in ("ERROR", "CRITICAL"):
                return " ".join(str(entry.get("message", "")).split())
        return "(no error line in the logs)"

    def settle(self, health_path: str | None, timeout: float = 120.0) -> bool:
        """Wait until the instance exited or its own ``health_path`` (else ``/``) answers
        (whatever it says): True when it is running and answering."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.state().get("Running"):
                return False
            try:
                requests.get(self.container.base_url + (health_path or "/"), timeout=5)
                return True
            except requests.RequestException:
                time.sleep(0.5)
        return False

    def state(self) -> dict:
        return self.container.state()


@dataclass
class Fleet:
    """Starts instances of ``target`` on ``network`` with one service's environment."""

    target: DeployTarget
    network: Network
    env: Mapping[str, str]
    instances: list[Instance] = field(default_factory=list)

    def _container(self, image: str, env: Mapping[str, str]) -> AppContainer:
        limits = self.target.limits
        container = AppContainer(image)
        for key, value in {**self.env, **env}.items():
            container.with_env(key, value)
        container.with_network(self.network)
        container.with_kwargs(
            labels=TEST_LABELS,
            nano_cpus=int(limits.cpus * NANO),
            mem_limit=f"{limits.memory_mb}m",
        )
        return container

    def start(
        self,
        name: str,
        image: str,
        env: Mapping[str, str] | None = None,
        command: str | None = None,
    ) -> Instance:
        """Start an instance reachable as ``name`` (the image's CMD unless ``command``); not
        routed to until the balancer's health check passes."""
        container = self._container(image, env or {})
        if command:
            container.with_command(command)
        container.with_network_aliases(name)
        instance = Instance(name, container)
        self.instances.append(instance)
        container.start()
        return instance

    def one_off(
        self, image: str, command: str | list[str], env: Mapping[str, str] | None = None
    ) -> tuple[int, str, str]:
        """Run ``command`` in a one-off container of ``image`` (Render's preDeployCommand and
        shell): exit code, stdout and stderr."""
        container = self._container(image, env or {}).with_command(command)
        try:
            container.start()
            wrapped = container.get_wrapped_container()
            code = int(wrapped.wait(timeout=ONE_OFF_TIMEOUT)["StatusCode"])
            stdout = wrapped.logs(stdout=True, stderr=False).decode(errors="replace")
            stderr = wrapped.logs(stdout=False, stderr=True).decode(errors="replace")
        finally:
            container.stop()
        return code, stdout, stderr

    def pre_deploy(self, image: str, env: Mapping[str, str] | None = None) -> None:
        """Run the Blueprint's preDeployCommand; CommandFailedError when it fails."""
        command = self.target.pre_deploy_command
        if not command:
            return
        code, stdout, stderr = self.one_off(image, command, env)
        if code:
            raise CommandFailedError(f"`{command}` in {image} exited {code}:\n{stdout}{stderr}")

    def first_deploy(self, image: str, setup_command: str | None = None) -> str:
        """The first deploy's one-off: the preDeployCommand as written, then the workload's
        ``setup_command`` (say, creating an API token), in one container to save a container
        start per scenario. Returns the output on stdout; CommandFailedError on a failure."""
        steps = [c for c in (self.target.pre_deploy_command, setup_command) if c]
        if not steps:
            return ""
        command = ["sh", "-c", " && ".join(steps)]
        code, stdout, stderr = self.one_off(image, command)
        if code:
            raise CommandFailedError(f"`{command[2]}` exited {code}:\n{stdout}{stderr}")
        return stdout

    def stop_all(self) -> None:
        for instance in self.instances:
            if instance.container.get_wrapped_container() is not None:
                instance.container.stop()
        self.instances.clear()
