"""One app instance as Render runs it, under a plan's CPU and memory limits.

The Blueprint gives the plan, the scaling block and the literal environment (WEB_CONCURRENCY,
LOG_LEVEL, RATELIMIT_*); the harness gives the production settings and services. Two things
differ from production on purpose: the rate limits are raised so the load tool, one client
address, is not refused (the limiter still counts every request in Redis, so its cost stays
in the figures), and Docker's HEALTHCHECK is off, because Render probes over HTTP and a probe
process every few seconds would take CPU from the instance being measured.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import requests

from deploycheck.checklist.probes import CSRF_FIELD
from deploycheck.targets.blueprint import Blueprint
from deploycheck.targets.plans import PlanLimits, plan_limits
from deploycheck.testing.builds import TEST_LABELS
from deploycheck.testing.container import AppContainer, AppEnv
from tools.bench import seeding

UNLIMITED = "1000000 per minute"
START_TIMEOUT = 120.0
POLL_SECONDS = 0.05


class InstanceError(RuntimeError):
    """The instance did not answer, or signing in failed."""


@dataclass(frozen=True)
class Plan:
    """What the Blueprint's web service asks Render for."""

    name: str
    limits: PlanLimits
    min_instances: int
    max_instances: int
    target_cpu_percent: float
    target_memory_percent: float
    env: dict[str, str]


def read_plan(render_yaml: Path) -> Plan:
    """The web service's plan, scaling block and literal env vars from ``render_yaml``."""
    blueprint = Blueprint.load(render_yaml)
    web = blueprint.web_service
    if web is None:
        raise InstanceError(f"{render_yaml} has no web service")
    scaling = web.mapping("scaling")
    env = {
        var.key: str(var.value)
        for var in blueprint.env_vars(web)
        if var.key and var.is_literal and var.value is not None
    }
    name = str(web.get("plan") or "starter")
    return Plan(
        name=name,
        limits=plan_limits(name),
        min_instances=int(scaling.get("minInstances", 1)),
        max_instances=int(scaling.get("maxInstances", 1)),
        target_cpu_percent=float(scaling.get("targetCPUPercent", 80)),
        target_memory_percent=float(scaling.get("targetMemoryPercent", 70)),
        env=env,
    )


def app_container(
    app_env: AppEnv, image: str, plan: Plan, limits: PlanLimits, gunicorn_args: str = ""
) -> AppContainer:
    """The app container with ``limits``, the Blueprint's env and optional gunicorn flags."""
    container = AppContainer(image).with_production_env(
        database_url=app_env.database_url,
        redis_url=app_env.redis_url,
        app_secrets=app_env.app_secrets,
        cors_origins=app_env.cors_origins,
    )
    container.with_network(app_env.network)
    for key, value in plan.env.items():
        if key not in ("CORS_ORIGINS", "SESSION_COOKIE_SECURE"):
            container.with_env(key, value)
    container.with_env("RATELIMIT_DEFAULT", UNLIMITED).with_env("RATELIMIT_WRITE", UNLIMITED)
    if gunicorn_args:
        # gunicorn reads GUNICORN_CMD_ARGS after gunicorn.conf.py, so these flags win.
        container.with_env("GUNICORN_CMD_ARGS", gunicorn_args)
    if "gevent" in gunicorn_args:
        # gevent must patch before psycopg is imported: no preloading master (gunicorn.conf.py).
        container.with_env("GUNICORN_PRELOAD", "false")
    container.with_kwargs(
        labels=TEST_LABELS,
        nano_cpus=int(limits.cpus * 1e9),
        mem_limit=f"{limits.memory_mb}m",
        memswap_limit=f"{limits.memory_mb}m",
        healthcheck={"test": ["NONE"]},
    )
    return container


def start_and_time(container: AppContainer) -> float:
    """Start ``container``; seconds until ``/health`` first answers 200."""
    started = time.monotonic()
    container.start()
    url = f"{container.base_url}/health"
    while time.monotonic() - started < START_TIMEOUT:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        if not container.state().get("Running"):
            break
        time.sleep(POLL_SECONDS)
    tail = "\n".join(container.logs_text().splitlines()[-20:])
    raise InstanceError(f"the app did not answer /health within {START_TIMEOUT:.0f} s:\n{tail}")


def create_token(app_env: AppEnv, image: str) -> str:
    """A token from ``flask --app app create-token`` in a one-off container (its last line)."""
    one_off = AppContainer(image).with_production_env(
        database_url=app_env.database_url,
        redis_url=app_env.redis_url,
        app_secrets=app_env.app_secrets,
        cors_origins=app_env.cors_origins,
    )
    one_off.with_network(app_env.network).with_kwargs(labels=TEST_LABELS)
    one_off.with_command("flask --app app create-token bench")
    try:
        code, _ = one_off.run_to_exit()
        stdout, stderr = one_off.get_logs()
    finally:
        one_off.stop()
    lines = stdout.decode(errors="replace").strip().splitlines()
    if code != 0 or not lines:
        raise InstanceError(f"create-token exited {code}: {stderr.decode(errors='replace')}")
    return lines[-1].strip()


def session_cookie(base_url: str) -> str:
    """Sign in through the login form as the seeded teacher, as a browser does; the ``Cookie``
    header to send."""
    with requests.Session() as browser:
        page = browser.get(f"{base_url}/login", timeout=10)
        match = CSRF_FIELD.search(page.text)
        if not match:
            raise InstanceError(f"no CSRF token on /login (status {page.status_code})")
        # The cookie is Secure (production) and this is plain HTTP: carry it by hand.
        cookie = page.cookies.get("session")
        answer = requests.post(
            f"{base_url}/login",
            data={
                "email": seeding.TEACHER,
                "password": seeding.PASSWORD,
                "csrf_token": match.group(1),
            },
            headers={"Cookie": f"session={cookie}"},
            allow_redirects=False,
            timeout=10,
        )
    if answer.status_code != 302:
        raise InstanceError(f"signing in answered {answer.status_code}, not a redirect")
    return f"session={answer.cookies.get('session') or cookie}"
