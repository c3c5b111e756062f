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
import urllib.error
import urllib.request
from pathlib import Path
from typing import BinaryIO

import docker
from docker.errors import ImageNotFound

from deploycheck.errors import RegistryError
from deploycheck.testing.processes import ServerProcess

REGISTRY_BINARY = "docker-registry"
REGISTRY_HINT = "install Debian's registry with 'apt-get install docker-registry' (.ci/run does)"
_LISTENING = re.compile(r'msg="listening on (127\.0\.0\.1:\d+)"')
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


class LocalRegistry(ServerProcess):
    """A registry serving ``127.0.0.1:<port>``; entering starts it, leaving stops it and
    deletes what was pushed. ``ref("python:3.11")`` is the official name as this registry
    holds it: ``127.0.0.1:<port>/library/python:3.11``."""

    name = f"the registry {REGISTRY_BINARY}"
    error = RegistryError

    def __init__(self, workdir: Path, ready_timeout: float = 30.0, config: str = CONFIG) -> None:
        super().__init__(workdir / "registry.log", ready_timeout)
        self.workdir = workdir
        self.config = config
        self.address = ""

    def _launch(self, log: BinaryIO) -> subprocess.Popen[bytes]:
        binary = shutil.which(REGISTRY_BINARY)
        if binary is None:
            raise RegistryError(f"{REGISTRY_BINARY} is not on PATH. Hint: {REGISTRY_HINT}")
        config = self.workdir / "config.yml"
        config.write_text(self.config.format(storage=self.workdir / "storage"))
        # REGISTRY_* variables override the config file: none of the caller's may leak in.
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        return subprocess.Popen(
            [binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT, env=env
        )

    def _waiting_for(self) -> str | None:
        if not self.address:
            found = _LISTENING.search(self.log_path.read_text(errors="replace"))
            self.address = found.group(1) if found else ""
        if not self.address:
            return "no listening address in its log yet"
        try:
            with urllib.request.urlopen(f"http://{self.address}/v2/", timeout=2) as response:
                return None if response.status == 200 else f"/v2/ answered {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            return f"/v2/: {exc}"

    def _start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        super()._start()

    def stop(self) -> None:
        """Stop the process and delete the stored images; safe to call twice."""
        super().stop()
        shutil.rmtree(self.workdir / "storage", ignore_errors=True)

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
