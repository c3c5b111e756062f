"""Start-up: nothing the server loads before its first answer is compiled at run time, and a
mode the image cannot run is refused in one line.

The base image ships the standard library without byte-code and the image sets
PYTHONDONTWRITEBYTECODE, so a module without a cached ``.pyc`` is compiled from source at every
start (2.8-3.1 s from container start to the first answer at 0.5 CPU; 1.7-2.0 s once compiled).
``app.precompile`` compiles the boot set at build time; this runs the real image on the real
services with ``PYTHONVERBOSE=1``, which logs ``code object from <file>`` for each module it
loads, and fails on every ``.py`` (compiled now) instead of ``.pyc`` (read from the cache).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from deploycheck.targets.image import Image
from deploycheck.testing.container import AppContainer, AppEnv, running_app

pytestmark = pytest.mark.container

# Python's verbose import trace: "# code object from '/path/x.cpython-311.pyc'" from the cache,
# "# code object from /path/x.py" when the source was just compiled.
COMPILED_NOW = re.compile(r"^# code object from '?(?P<path>/\S+?\.py)'?$", re.MULTILINE)


def compiled_at_run_time(trace: str) -> list[str]:
    return sorted({match["path"] for match in COMPILED_NOW.finditer(trace)})


@pytest.fixture(scope="module")
def verbose_container(app_image: Image, migrated_env: AppEnv) -> Iterator[AppContainer]:
    """The app with Python's import trace on, healthy (the image's own probe has run)."""
    container = migrated_env.container(app_image.ref)
    container.with_env("PYTHONVERBOSE", "1")
    with running_app(container):
        yield container


def test_the_server_compiles_nothing_before_its_first_answers(
    verbose_container: AppContainer,
) -> None:
    # Every worker's first request: the health check's, then one per worker at most.
    for _ in range(6):
        assert requests.get(f"{verbose_container.base_url}/health", timeout=10).status_code == 200
    trace = verbose_container.logs_text()
    assert "code object from" in trace, "PYTHONVERBOSE gave no import trace to read"
    assert compiled_at_run_time(trace) == [], (
        "modules compiled from source at run time (add them to app.precompile.BOOT_MODULES)"
    )


def test_the_health_probe_compiles_nothing(verbose_container: AppContainer) -> None:
    code, output = verbose_container.get_wrapped_container().exec_run(
        ["python", "-m", "app.healthcheck", "/health"], environment={"PYTHONVERBOSE": "1"}
    )
    trace = output.decode(errors="replace")
    assert code == 0, trace[-2000:]
    assert "code object from" in trace
    assert compiled_at_run_time(trace) == []


def test_the_trace_reader_tells_compiled_from_cached() -> None:
    trace = (
        "# code object from '/usr/lib/python3.11/__pycache__/json.cpython-311.pyc'\n"
        "# code object from /usr/lib/python3.11/timeit.py\n"
    )
    assert compiled_at_run_time(trace) == ["/usr/lib/python3.11/timeit.py"]


def test_development_mode_in_the_image_is_refused_in_one_line(app_image: Image) -> None:
    """The code directory is read-only for appuser, so the instance folder cannot be made."""
    container = AppContainer(app_image.ref).with_env("APP_ENV", "development")
    try:
        code, output = container.run_to_exit()
    finally:
        container.stop()
    assert code == 1, output
    (line,) = output.strip().splitlines()
    assert line == (
        "gradetracker: APP_ENV=development needs a writable /app/instance (this user cannot "
        "create it); this image runs APP_ENV=production, or mount a writable folder there"
    )
