"""A real image registry on 127.0.0.1 for the registry rehearsal, testcontainers-style.

Debian's ``docker-registry`` (the CNCF distribution registry) runs as a child process with its
storage in a directory of its own. Docker trusts registries on 127.0.0.0/8 without TLS. The
kernel picks the port (``127.0.0.1:0``) and the registry logs it, so runs never collide.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

import docker
from docker.errors import ImageNotFound

from deploycheck.errors import RegistryError

REGISTRY_BINARY = "docker-registry"
REGISTRY_HINT = "install Debian's registry with 'apt-get install docker-registry' (.ci/run does)"
_LISTENING = re.compile(r'msg="listening on (127\.0\.0\.1:\d+)"')
LOG_TAIL_LINES = 20
CONFIG = """\
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: {storage}
http:
  addr: 127.0.0.1:0
"""


class LocalRegistry:
    """A registry serving ``127.0.0.1:<port>``; entering starts it, leaving stops it and
    deletes what was pushed. ``ref("python:3.11")`` is the official name as this registry
    holds it: ``127.0.0.1:<port>/library/python:3.11``."""

    def __init__(self, workdir: Path, ready_timeout: float = 30.0, config: str = CONFIG) -> None:
        self.workdir = workdir
        self.config = config
        self.ready_timeout = ready_timeout
        self.log_path = workdir / "registry.log"
        self.address = ""
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        binary = shutil.which(REGISTRY_BINARY)
        if binary is None:
            raise RegistryError(f"{REGISTRY_BINARY} is not on PATH. Hint: {REGISTRY_HINT}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "config.yml"
        config.write_text(self.config.format(storage=self.workdir / "storage"))
        # REGISTRY_* variables override the config file: none of the caller's may leak in.
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT, env=env
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        assert self._process is not None
        while True:
            if self._process.poll() is not None:
                raise self._error(f"exited with code {self._process.returncode}")
            if not self.address:
                found = _LISTENING.search(self.log_path.read_text(errors="replace"))
                self.address = found.group(1) if found else ""
            if self.address and self._answers():
                return
            if time.monotonic() > deadline:
                raise self._error(f"did not answer within {self.ready_timeout:.0f}s")
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{self.address}/v2/", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def _error(self, what: str) -> RegistryError:
        lines = self.log_path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
        return RegistryError(
            f"the registry ({REGISTRY_BINARY}, log {self.log_path}) {what}. "
            f"Last log lines:\n" + ("\n".join(lines) or "(none)")
        )

    def stop(self) -> None:
        """Stop the process and delete the stored images; safe to call twice."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        shutil.rmtree(self.workdir / "storage", ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def ref(self, official: str) -> str:
        """Where this registry holds the official image ``official`` (Docker Hub short name)."""
        return f"{self.address}/library/{official}"

    def catalog(self) -> list[str]:
        """The repositories pushed so far, as the registry lists them."""
        with urllib.request.urlopen(f"http://{self.address}/v2/_catalog", timeout=5) as response:
            return json.load(response)["repositories"]

    def push(self, client: docker.DockerClient, source: str, official: str) -> str:
        """Push a copy of local image ``source`` as ``ref(official)``, then drop the local
        copy's names again (``source`` itself is untouched). Returns the pushed ref."""
        target = self.ref(official)
        repository, _, tag = target.rpartition(":")
        client.images.get(source).tag(repository, tag)
        try:
            for event in client.images.push(repository, tag=tag, stream=True, decode=True):
                if "error" in event:
                    raise RegistryError(f"pushing {source} as {target} failed: {event['error']}")
        finally:
            self.forget_local_copies(client)
        return target

    def forget_local_copies(self, client: docker.DockerClient) -> list[str]:
        """Remove every local name under this registry (tags and digests), and only those:
        an image that also has another name keeps it. Returns the names removed."""
        prefix = f"{self.address}/"
        removed = []
        for image in client.images.list():
            names = image.attrs.get("RepoTags") or []
            names += image.attrs.get("RepoDigests") or []
            for name in names:
                if name.startswith(prefix):
                    # Untag only (no force): an image a container still uses stays.
                    try:
                        client.images.remove(name)
                    except ImageNotFound:
                        continue
                    removed.append(name)
        return removed
