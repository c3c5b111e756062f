"""The Docker engine as the container suites see it: is one reachable, and what follows if not.

Locally a missing engine skips the container tests with the reason; in CI (``CI=true``) or
with ``--require-docker`` it fails them, so a broken CI machine can never pass by skipping.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
from docker.errors import DockerException, ImageNotFound

from deploycheck.errors import ImageUnavailableError

ENGINE_HINT = "run scripts/docker-engine (Debian/Ubuntu as root) or start your Docker engine"
IMAGES_HINT = "run scripts/provision-images, which writes the names to use into .images.env"
# Where scripts/provision-images writes the image names: a project's file, never the package's.
IMAGES_ENV_VAR = "DEPLOYCHECK_IMAGES_ENV"
IMAGES_ENV_NAME = ".images.env"


@dataclass(frozen=True)
class EngineStatus:
    """Whether the engine answered a ping and, when it did not, why."""

    reachable: bool
    reason: str = ""


def engine_status(timeout: float = 5.0) -> EngineStatus:
    """Ping the engine that ``DOCKER_HOST`` (or the default socket) points at."""
    with warnings.catch_warnings():
        # The docker SDK leaves the socket of a failed unix-socket connection to the garbage
        # collector; collect it here, quietly, or filterwarnings=error reports it at random.
        warnings.simplefilter("ignore", ResourceWarning)
        status = _ping(timeout)
        gc.collect()
    return status


def _ping(timeout: float) -> EngineStatus:
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        client = docker.from_env(timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except (DockerException, OSError) as exc:
        # requests' connection errors are OSErrors; the first line is the useful one.
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return EngineStatus(
            False, f"no Docker engine reachable at {where} ({detail}): {ENGINE_HINT}"
        )
    return EngineStatus(True)


def docker_required(require_option: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """True when a missing engine must fail: in CI, or when ``--require-docker`` was given."""
    return require_option or environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_engine(required: bool) -> None:
    """Skip the calling test (or fail it when ``required``) unless an engine answers."""
    status = engine_status()
    if status.reachable:
        return
    if required:
        pytest.fail(status.reason, pytrace=False)
    pytest.skip(status.reason)


def ensure_image(image: str, pull_timeout: float = 120.0) -> None:
    """Make ``image`` present locally, pulling it if needed; raise ImageUnavailableError if not."""
    try:
        client = docker.from_env(timeout=pull_timeout)
        try:
            try:
                client.images.get(image)
            except ImageNotFound:
                client.images.pull(image)
        finally:
            client.close()
    except (DockerException, OSError) as exc:
        detail = str(exc).strip().splitlines()[0]
        raise ImageUnavailableError(
            f"image {image} is not present and cannot be pulled ({detail}). Hint: {IMAGES_HINT}"
        ) from None  # the detail is in the message; the SDK's chain of HTTP errors is noise


def images_env_file(root: Path | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    """``$DEPLOYCHECK_IMAGES_ENV`` when set, else ``.images.env`` in ``root`` (the pytest
    rootdir when the plugin asks) or the current directory."""
    return Path(environ.get(IMAGES_ENV_VAR) or (root or Path.cwd()) / IMAGES_ENV_NAME)


def load_images_env(path: Path, environ: MutableMapping[str, str] = os.environ) -> None:
    """Take image names from scripts/provision-images' output; variables already set win."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.lstrip().startswith("#"):
            environ.setdefault(key.strip(), value.strip())


def configure_testcontainers(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set testcontainers' connection mode and Ryuk defaults for this host; user values win."""
    from testcontainers.core.config import ConnectionMode
    from testcontainers.core.config import testcontainers_config as config

    # With /.dockerenv present testcontainers assumes Docker-in-Docker and would talk to the
    # gateway address; a local engine publishes its ports on this host, so use those. The
    # library reads TESTCONTAINERS_CONNECTION_MODE only when first imported, which is
    # usually before this runs, so a mode chosen here is handed to its config as well.
    docker_host = environ.get("DOCKER_HOST", "")
    if Path("/.dockerenv").exists() and (not docker_host or docker_host.startswith("unix://")):
        environ.setdefault("TESTCONTAINERS_CONNECTION_MODE", ConnectionMode.docker_host.value)
    mode = environ.get("TESTCONTAINERS_CONNECTION_MODE")
    if mode and config.connection_mode_override is None:
        config.connection_mode_override = ConnectionMode(mode)

    # Ryuk removes containers left by a killed run; without it the fixtures' finalizers do.
    # testcontainers reads TESTCONTAINERS_RYUK_DISABLED on first use, after this.
    if "TESTCONTAINERS_RYUK_DISABLED" not in environ:
        try:
            ensure_image(config.ryuk_image, pull_timeout=30.0)
        except ImageUnavailableError:
            environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
