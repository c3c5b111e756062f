"""The pull path that GitHub Actions and laptops take, rehearsed against a real registry.

Our machines have no registry, so the suites usually run on stand-ins built offline. Here the
suite's images (stand-ins, or the official images where those were pulled) are pushed to a
registry on 127.0.0.1 under names shaped like the official ones, the local copies removed, and
scripts/provision-images and a few container checks run with the image variables pointing at
that registry. Provisioning must pull every image, as a user who is not root, without
debootstrap or apt-get and without building a stand-in; the checks must pass on what it pulled.
Only the copies made here are removed afterwards: the suite's own images stay.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from deploycheck.errors import RegistryError
from deploycheck.testing.engine import docker_required, ensure_image
from deploycheck.testing.local_registry import REGISTRY_HINT, LocalRegistry

pytestmark = [pytest.mark.container, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
PROVISION_IMAGES = REPO_ROOT / "scripts" / "provision-images"
# A small container check per image: PostgreSQL and Redis as the seed runs them, and
# Dockerfile.render built on the pulled base within its budget, its label and the image report
# naming that base as given. The build is cold (the base name is a build arg of its RUN steps).
CHECKS = (
    "tests/container/test_services.py::test_postgres_is_version_15",
    "tests/container/test_services.py::test_redis_runs_with_the_seed_settings",
    "tests/container/image/test_size.py::test_image_fits_size_budget",
    "tests/container/image/test_labels.py::test_image_names_its_base_as_given",
)
# Commands the pull path must never run; their stand-ins on PATH record every call.
FORBIDDEN_COMMANDS = ("debootstrap", "apt-get")
STANDIN_PREFIX = "gradetracker-standin/"
NOBODY = 65534
CHECKS_TIMEOUT = 900


@dataclass
class Rehearsal:
    """What one provisioning run against the registry did."""

    registry: LocalRegistry
    refs: dict[str, str]
    output: str
    returncode: int
    uid: int
    calls: list[str]
    env_file: dict[str, str]
    standins_before: dict[str, str]
    standins_after: dict[str, str]
    workdir: Path

    def docker_commands(self) -> list[str]:
        """The docker command lines run, e.g. ``pull -q NAME``, ``image inspect NAME``."""
        return [call.removeprefix("docker ") for call in self.calls if call.startswith("docker ")]


def official_images() -> dict[str, str]:
    """Variable -> the official image it defaults to, from provision-images' own table, so an
    image added there is rehearsed too; the registry holds each under its official name."""
    table = subprocess.run(
        [str(PROVISION_IMAGES), "--list"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    rows = [line.split() for line in table.splitlines() if line.strip()]
    return {variable: default for _kind, variable, default, _standin in rows}


def _standin_ids(client: docker.DockerClient) -> dict[str, str]:
    images = client.images.list(filters={"reference": f"{STANDIN_PREFIX}*"})
    tags = ((tag, image.id) for image in images for tag in image.tags)
    return {tag: image_id for tag, image_id in tags if tag.startswith(STANDIN_PREFIX)}


def _write_recording_path(bin_dir: Path, calls: Path) -> None:
    """debootstrap and apt-get that record the call and fail; docker that records and runs."""
    bin_dir.mkdir()
    real_docker = shutil.which("docker")
    assert real_docker, "the docker CLI is not on PATH"
    for name in FORBIDDEN_COMMANDS:
        _write_script(bin_dir / name, f'echo "{name} $*" >>"{calls}"\nexit 97\n')
    _write_script(bin_dir / "docker", f'echo "docker $*" >>"{calls}"\nexec "{real_docker}" "$@"\n')


def _write_script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def _unprivileged(env: dict[str, str]) -> tuple[list[str], int]:
    """The prefix that runs a command as a user who is not root but may use the engine's
    socket (nobody in the socket's group), and that user's uid."""
    if os.geteuid() != 0:
        return [], os.geteuid()
    host = env.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    groups: list[str] = []
    if host.startswith("unix://"):
        socket = os.stat(host.removeprefix("unix://"))
        if socket.st_mode & (stat.S_IRGRP | stat.S_IWGRP) != stat.S_IRGRP | stat.S_IWGRP:
            pytest.fail(f"{host} is not group-accessible: no user but root may provision")
        groups = [f"--groups={socket.st_gid}"]
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", *groups], NOBODY


@pytest.fixture(scope="module")
def registry(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalRegistry]:
    """Debian's registry on a free port of 127.0.0.1; a skip without it (a failure in CI)."""
    if shutil.which("docker-registry") is None:
        reason = f"the registry rehearsal needs docker-registry: {REGISTRY_HINT}"
        if docker_required(pytestconfig.getoption("--require-docker")):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with LocalRegistry(tmp_path_factory.mktemp("registry")) as started:
        yield started


@pytest.fixture(scope="module")
def rehearsal(registry: LocalRegistry) -> Iterator[Rehearsal]:
    """Push the suite's images, drop the local copies, provision from the registry."""
    client = docker.from_env(timeout=600)
    # Not under pytest's temporary root, which only its owner may enter.
    workdir = Path(tempfile.mkdtemp(prefix="gradetracker-registry-path."))
    try:
        refs = {}
        for variable, official in official_images().items():
            source = os.environ.get(variable) or official
            ensure_image(source)
            refs[variable] = registry.push(client, source, official)
        yield _provision(registry, refs, client, workdir)
    finally:
        registry.forget_local_copies(client)
        client.close()
        shutil.rmtree(workdir)


def _provision(
    registry: LocalRegistry, refs: dict[str, str], client: docker.DockerClient, workdir: Path
) -> Rehearsal:
    calls, env_file = workdir / "calls.log", workdir / "images.env"
    _write_recording_path(workdir / "bin", calls)
    calls.touch(mode=0o666)
    env = {
        "PATH": f"{workdir / 'bin'}:{os.environ['PATH']}",
        "HOME": str(workdir),
        "IMAGES_ENV_FILE": str(env_file),
        # A pull from 127.0.0.1 that needs more than this is broken, not slow.
        "PULL_TIMEOUT": "300",
        **{key: value for key, value in os.environ.items() if key.startswith("DOCKER_")},
        **refs,
    }
    prefix, uid = _unprivileged(env)
    if uid != os.geteuid():
        for path in (workdir, calls):
            os.chown(path, uid, -1)
    workdir.chmod(0o755)
    # A copy: the user who is not root may not be able to enter the clone (e.g. under /root).
    script = workdir / "scripts" / "provision-images"
    script.parent.mkdir()
    shutil.copy2(PROVISION_IMAGES, script)
    standins_before = _standin_ids(client)
    done = subprocess.run(
        [*prefix, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    written = env_file.read_text() if env_file.exists() else ""
    return Rehearsal(
        registry=registry,
        refs=refs,
        output=done.stdout + done.stderr,
        returncode=done.returncode,
        uid=uid,
        calls=calls.read_text().splitlines() if calls.exists() else [],
        env_file=dict(line.split("=", 1) for line in written.splitlines() if "=" in line),
        standins_before=standins_before,
        standins_after=_standin_ids(client),
        workdir=workdir,
    )


def test_registry_holds_the_images_under_official_shaped_names(rehearsal: Rehearsal) -> None:
    repositories = rehearsal.registry.catalog()
    official = official_images()
    assert {"PYTHON_IMAGE", "POSTGRES_IMAGE", "REDIS_IMAGE"} <= official.keys(), official
    expected = sorted(f"library/{name.partition(':')[0]}" for name in official.values())
    assert sorted(repositories) == expected
    assert all(ref.startswith("127.0.0.1:") for ref in rehearsal.refs.values()), rehearsal.refs


def test_provisioning_pulls_every_image_from_the_registry(rehearsal: Rehearsal) -> None:
    assert rehearsal.returncode == 0, rehearsal.output
    for variable, ref in rehearsal.refs.items():
        assert f": pulled {ref}" in rehearsal.output, f"{variable}: {ref} was not pulled"
        assert f"pull -q {ref}" in rehearsal.docker_commands(), f"docker pull {ref} never ran"
    assert rehearsal.env_file == rehearsal.refs, "the suites must be pointed at what was pulled"


def test_pulled_images_come_from_the_registry(rehearsal: Rehearsal) -> None:
    client = docker.from_env()
    try:
        for ref in rehearsal.refs.values():
            digests = client.images.get(ref).attrs.get("RepoDigests") or []
            repository = ref.rpartition(":")[0]
            assert any(d.startswith(f"{repository}@sha256:") for d in digests), (ref, digests)
    finally:
        client.close()


def test_pull_path_needs_neither_root_nor_debootstrap_nor_a_stand_in_build(
    rehearsal: Rehearsal,
) -> None:
    forbidden = [call for call in rehearsal.calls if call.split()[0] in FORBIDDEN_COMMANDS]
    assert forbidden == [], f"the pull path ran {forbidden}"
    # `docker build`, `docker import` or their `docker image ...` spellings.
    builds = [
        command
        for command in rehearsal.docker_commands()
        if {"build", "import"} & set(command.split()[:2])
    ]
    assert builds == [], f"the pull path built images: {builds}"
    assert "building" not in rehearsal.output, rehearsal.output
    assert "stand-in" not in rehearsal.output, rehearsal.output
    assert rehearsal.standins_after == rehearsal.standins_before, "stand-ins were rebuilt"
    assert rehearsal.uid != 0, "provisioning ran as root"


def test_container_checks_pass_on_the_pulled_images(rehearsal: Rehearsal) -> None:
    reports, junit = rehearsal.workdir / "reports", rehearsal.workdir / "checks.xml"
    env = {**os.environ, **rehearsal.refs, "REPORT_DIR": str(reports)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
        + [f"--junitxml={junit}", *CHECKS],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHECKS_TIMEOUT,
        check=False,
    )
    tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
    assert done.returncode == 0, f"the checks failed on the pulled images:\n{tail}"
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None, tail
    counts = {key: int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")}
    expected_tests = len(CHECKS) + 2  # the Redis check is parametrized over three settings
    assert counts == {"tests": expected_tests, "failures": 0, "errors": 0, "skipped": 0}, tail
    image_report = json.loads((reports / "image.json").read_text())
    assert image_report["base"] == rehearsal.refs["PYTHON_IMAGE"], image_report["base"]


def test_a_registry_that_cannot_start_says_why(tmp_path: Path) -> None:
    broken = LocalRegistry(tmp_path, config="version: 0.1\nstorage:\n  nosuchdriver: {{}}\n")

    with pytest.raises(RegistryError) as raised:
        broken.start()

    message = str(raised.value)
    assert "exited with code" in message
    assert "nosuchdriver" in message, "the registry's own log lines should say what is wrong"


def test_a_missing_registry_binary_gets_the_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(RegistryError, match="not on PATH. Hint: install Debian's registry"):
        LocalRegistry(tmp_path).start()
