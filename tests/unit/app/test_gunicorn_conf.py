"""gunicorn.conf.py: the seed's server settings, read from the environment."""

from __future__ import annotations

import multiprocessing
import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CONF = Path(__file__).resolve().parents[3] / "gunicorn.conf.py"
# Render sends SIGTERM, then SIGKILL 30 s later: in-flight requests must finish before that.
RENDER_SHUTDOWN_SECONDS = 30


def load_conf() -> dict[str, Any]:
    """The settings gunicorn would read, evaluated in the current (test) environment."""
    return runpy.run_path(str(CONF))


def test_seed_settings() -> None:
    conf = load_conf()
    # gthread (app.worker buffers requests first), not the seed's gevent: measured by
    # scripts/bench (docs/capacity.md).
    assert (conf["worker_class"], conf["threads"], conf["worker_connections"]) == (
        "app.worker.BufferingWorker",
        4,
        1000,
    )
    assert conf["timeout"] == 120
    assert (conf["accesslog"], conf["errorlog"]) == ("-", "-")
    assert conf["bind"] == "0.0.0.0:10000"
    # The master imports the app once and forks the workers (start-up at 0.5 CPU).
    assert conf["preload_app"] is True


def test_preloading_can_be_turned_off_for_gevent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUNICORN_PRELOAD", "false")
    assert load_conf()["preload_app"] is False


def test_a_preloaded_gevent_worker_stops_gunicorn_with_one_message() -> None:
    """gevent (still installed: scripts/bench compares it, GUNICORN_CMD_ARGS can select it) must
    patch before psycopg is imported, which a preloading master has already done."""
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", str(CONF), "--bind", "127.0.0.1:0"],
        cwd=CONF.parent,
        env={"PATH": "/usr/bin:/bin", "GUNICORN_CMD_ARGS": "--worker-class gevent --workers 1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "gevent workers need GUNICORN_PRELOAD=false" in output
    assert "Traceback" not in output


def test_graceful_timeout_ends_before_render_kills_the_instance() -> None:
    assert load_conf()["graceful_timeout"] < RENDER_SHUTDOWN_SECONDS


@pytest.mark.parametrize("cores", [1, 16])
def test_workers_default_to_2_whatever_the_host_s_cores(
    monkeypatch: pytest.MonkeyPatch, cores: int
) -> None:
    """A container sees the host's cores, not the plan's CPU quota: 16 must not mean 33."""
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: cores)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert load_conf()["workers"] == 2


def test_port_and_workers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    conf = load_conf()
    assert (conf["bind"], conf["workers"]) == ("0.0.0.0:8080", 5)


@pytest.mark.parametrize(("patched", "gevent_aware"), [(True, True), (False, False)])
def test_psycopg_waits_cooperatively_only_after_gevent_patched(
    patched: bool, gevent_aware: bool
) -> None:
    """psycopg 3 picks its wait function at import: the C one blocks the whole worker, so it
    must see gevent's patching, which is why the app is imported only in patched workers."""
    patch = "from gevent import monkey; monkey.patch_all(); " if patched else ""
    code = patch + "import psycopg.waiting as w; print(w.wait is not w.wait_c)"
    # A fresh interpreter: patching this one would change every later test.
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == str(gevent_aware)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        # The public default the app must refuse, not a secret.
        ({"FLASK_SECRET_KEY": "dev-secret-key"}, "well-known default"),  # pragma: allowlist secret
        ({}, "SESSION_COOKIE_SECURE must be true"),
    ],
)
def test_unsafe_production_config_stops_gunicorn_with_one_message(
    env: dict[str, str], problem: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", str(CONF)],
        cwd=CONF.parent,
        env={"PATH": "/usr/bin:/bin", "APP_ENV": "production", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Refusing to start in production" in output
    assert problem in output
    # The master refuses before any worker boots: no per-worker tracebacks.
    assert "Traceback" not in output
    assert "Booting worker" not in output


def test_malformed_port_stops_gunicorn_with_one_message() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", str(CONF)],
        cwd=CONF.parent,
        env={"PATH": "/usr/bin:/bin", "PORT": "ten-thousand"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "PORT must be an integer, got 'ten-thousand'" in result.stderr
    assert "Traceback" not in result.stderr


class FakeServer:
    """What ``when_ready`` reads of gunicorn's arbiter: the config and the log."""

    def __init__(self, preload: bool) -> None:
        self.cfg = type("Cfg", (), {"preload_app": preload})()
        self.warnings: list[str] = []
        self.log = type("Log", (), {"warning": lambda _s, *args: self.warnings.append(args)})()


@pytest.mark.parametrize("preload", [True, False], ids=["preloaded", "not preloaded"])
def test_a_preloading_master_reads_the_migration_history_before_the_fork(preload: bool) -> None:
    from app.health import known_revisions

    known_revisions.cache_clear()
    load_conf()["when_ready"](FakeServer(preload))
    # Read once in the master, the workers inherit it; without preloading each worker reads it.
    assert known_revisions.cache_info().currsize == (1 if preload else 0)
    head, known = known_revisions()
    assert head in known


def test_an_unreadable_migration_history_is_left_to_health(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app import health

    health.known_revisions.cache_clear()
    monkeypatch.setattr(health, "MIGRATIONS_DIR", "/nonexistent/migrations")
    server = FakeServer(preload=True)
    load_conf()["when_ready"](server)
    assert len(server.warnings) == 1
    assert health.known_revisions.cache_info().currsize == 0
    health.known_revisions.cache_clear()
