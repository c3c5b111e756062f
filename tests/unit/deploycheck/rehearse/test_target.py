"""What the deploy rehearsal reads from a Blueprint (deploycheck.rehearse.target): the web
service's plan limits, health path, shutdown window, build and the env Render would wire."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from deploycheck.rehearse.load import PathsWorkload
from deploycheck.rehearse.target import DeployTarget, Wiring
from deploycheck.targets.plans import PlanLimits
from tests.unit.deploycheck.support import REPO

WIRING = Wiring("postgresql://u:p@postgres:5432/db", "redis://redis:6379/0")

BLUEPRINT = """\
services:
  - type: web
    name: shop
    runtime: docker
    dockerfilePath: ./docker/Dockerfile.web
    dockerContext: ./docker
    plan: pro
    maxShutdownDelaySeconds: 90
    envVars:
      - key: SECRET
        generateValue: true
      - key: DB
        fromDatabase: {name: shop-db, property: connectionString}
      - key: CACHE
        fromService: {type: keyvalue, name: shop-cache, property: connectionString}
      - key: TYPED
        sync: false
      - key: LEFT_EMPTY
        sync: false
      - key: WORKERS
        value: 4
      - key: DB_HOST
        fromDatabase: {name: shop-db, property: host}
      - key: DB_PASSWORD
        fromDatabase: {name: shop-db, property: password}
      - key: CACHE_PORT
        fromService: {type: keyvalue, name: shop-cache, property: port}
      - key: API_HOST
        fromService: {type: pserv, name: shop-api, property: host}
      - fromGroup: shared
      - key: MODE
        value: service
envVarGroups:
  - name: shared
    envVars:
      - key: MODE
        value: group
      - key: REGION
        value: eu
"""


@pytest.fixture
def shop(tmp_path: Path) -> DeployTarget:
    """A Blueprint that is not gradetracker's, with every env source and no health path."""
    path = tmp_path / "render.yaml"
    path.write_text(BLUEPRINT)
    return DeployTarget.from_blueprint(path)


def test_reads_this_repository_s_web_service() -> None:
    target = DeployTarget.from_blueprint(REPO / "render.yaml")

    assert (target.name, target.plan, target.limits) == (
        "gradetracker",
        "standard",
        PlanLimits(cpus=1.0, memory_mb=2048),
    )
    assert (target.health_path, target.pre_deploy_command) == ("/health", "flask db upgrade")
    assert (target.shutdown_window, target.max_instances) == (30, 3)
    assert (target.dockerfile, target.docker_context) == ("Dockerfile.render", ".")


def test_reads_plan_shutdown_window_and_build_of_any_blueprint(shop: DeployTarget) -> None:
    assert shop.limits == PlanLimits(cpus=2.0, memory_mb=4096)
    assert shop.shutdown_window == 90
    assert shop.max_instances == 1
    assert (shop.dockerfile, shop.docker_context) == ("docker/Dockerfile.web", "docker")
    assert shop.dockerfile_in_context == "Dockerfile.web"
    # No healthCheckPath: Render probes the port over TCP (the balancer's plain `check`).
    assert shop.health_path is None


def test_wires_env_as_render_does(shop: DeployTarget) -> None:
    env = shop.environment(Wiring(WIRING.database_url, WIRING.redis_url, {"TYPED": "typed"}))

    assert env["DB"] == WIRING.database_url
    assert env["CACHE"] == WIRING.redis_url
    assert env["TYPED"] == "typed"
    assert env["WORKERS"] == "4"
    assert (env["DB_HOST"], env["DB_PASSWORD"], env["CACHE_PORT"]) == ("postgres", "p", "6379")
    # generateValue: a random base64-encoded 256-bit value.
    assert len(base64.urlsafe_b64decode(env["SECRET"])) == 32


def test_names_the_sync_false_values_it_generated(shop: DeployTarget) -> None:
    wiring = Wiring(WIRING.database_url, WIRING.redis_url, {"LEFT_EMPTY": ""})
    env = shop.environment(wiring)

    assert shop.sync_keys == ["TYPED", "LEFT_EMPTY"]
    assert shop.generated_sync_keys(wiring) == ["TYPED"]
    assert len(base64.urlsafe_b64decode(env["TYPED"])) == 32
    assert "LEFT_EMPTY" not in env


def test_generated_values_differ_between_stacks(shop: DeployTarget) -> None:
    assert shop.environment(WIRING)["SECRET"] != shop.environment(WIRING)["SECRET"]


def test_refuses_a_blueprint_without_a_web_service(tmp_path: Path) -> None:
    path = tmp_path / "render.yaml"
    path.write_text("services:\n  - type: worker\n    name: w\n    runtime: docker\n")

    with pytest.raises(ValueError, match="no web service to rehearse"):
        DeployTarget.from_blueprint(path)


def test_the_default_workload_reads_its_paths_in_turn() -> None:
    workload = PathsWorkload(["/health", "/"])

    asked = [workload.request(n, writes=True) for n in range(3)]

    assert [(r.kind, r.method, r.path) for r in asked] == [
        ("read", "GET", "/health"),
        ("read", "GET", "/"),
        ("read", "GET", "/health"),
    ]


def test_links_env_groups_and_the_service_s_own_value_wins(shop: DeployTarget) -> None:
    env = shop.environment(WIRING)

    assert (env["REGION"], env["MODE"]) == ("eu", "service")


def test_leaves_unset_a_reference_to_a_service_it_does_not_run(shop: DeployTarget) -> None:
    assert "API_HOST" not in shop.environment(WIRING)


def test_the_proxy_checks_health_as_render_documents() -> None:
    """render.com/docs/health-checks: GET on the path, 2xx/3xx healthy, a 5 s timeout; out of
    routing after 15 s of failures, restarted after 60 s, on a clock compressed COMPRESSION
    times (docs/rehearse.md)."""
    from deploycheck.rehearse import balancer

    config = balancer.config_text("/up")

    assert "option httpchk GET /up" in config
    assert "http-check expect status 200-399" in config
    assert balancer.CHECK_TIMEOUT_S == 5
    assert "timeout check 5s" in config
    assert (balancer.RENDER_OUT_OF_ROUTING_S, balancer.RENDER_RESTART_S) == (15, 60)
    seconds_to_out_of_routing = balancer.CHECK_INTER_MS * balancer.CHECK_FALL / 1000
    assert seconds_to_out_of_routing * balancer.COMPRESSION == 15


def test_without_a_health_path_the_proxy_probes_the_port_over_tcp() -> None:
    """render.com/docs/health-checks: with no healthCheckPath, Render checks that the port
    accepts a TCP connection; HAProxy's `check` without `option httpchk` does just that."""
    from deploycheck.rehearse import balancer

    config = balancer.config_text(None)

    assert "httpchk" not in config
    assert "http-check" not in config


def test_an_instance_failing_its_checks_is_restarted_after_render_s_60_s_compressed() -> None:
    """render.com/docs/health-checks: about 60 s of failures restart an instance."""
    from deploycheck.rehearse import balancer, restarts

    assert restarts.RESTART_AFTER_S * balancer.COMPRESSION == 60
    assert restarts.RESTART_AFTER_S > balancer.CHECK_INTER_MS * balancer.CHECK_FALL / 1000


TWO_WEB_SERVICES_AND_A_WORKER = """\
services:
  - type: web
    name: api
    runtime: docker
    healthCheckPath: /up
  - type: web
    name: site
    runtime: docker
    dockerfilePath: ./site/Dockerfile
    dockerContext: ./site
  - type: worker
    name: jobs
    runtime: docker
    dockerCommand: python jobs.py
    envVars:
      - key: DATABASE_URL
        fromDatabase: {name: db, property: connectionString}
      - key: TOKEN
        sync: false
  - type: worker
    name: native
    runtime: python
databases:
  - name: db
"""


def test_reads_every_web_service_and_the_docker_workers(tmp_path: Path) -> None:
    path = tmp_path / "render.yaml"
    path.write_text(TWO_WEB_SERVICES_AND_A_WORKER)

    services = DeployTarget.web_services(path)
    (worker,) = DeployTarget.workers(path)

    assert [(s.name, s.health_path, s.build) for s in services] == [
        ("api", "/up", (".", "Dockerfile")),
        ("site", None, ("site", "site/Dockerfile")),
    ]
    assert (worker.name, worker.docker_command, worker.sync_keys) == (
        "jobs",
        "python jobs.py",
        ["TOKEN"],
    )
    # postgresMajorVersion absent: Render's default.
    assert worker.postgres_versions == ("16",)
    assert worker.environment(WIRING)["DATABASE_URL"] == WIRING.database_url
