"""The Blueprint seen whole: resources under ``projects[].environments[]`` and ``ungrouped``,
and references that resolve within one environment, each failure naming both lines."""

from __future__ import annotations

from deploycheck.rules.blueprint import web_service_present
from deploycheck.rules.blueprint_refs import references_resolve
from deploycheck.targets.blueprint import Blueprint
from deploycheck.targets.yamlfile import parse_yaml

PROJECT = """\
projects:
  - name: shop
    environments:
      - name: production
        services:
          - type: web
            name: api
            runtime: docker
            envVars:
              - key: DATABASE_URL
                fromDatabase: {name: prod-db, property: connectionString}
        databases:
          - name: prod-db
      - name: staging
        services:
          - type: web
            name: api-staging
            runtime: docker
            envVars:
              - key: DATABASE_URL
                fromDatabase: {name: prod-db, property: connectionString}
ungrouped:
  services:
    - type: web
      name: docs
      runtime: static
"""


def blueprint(text: str) -> Blueprint:
    return Blueprint(parse_yaml(text, "render.yaml"))


def test_services_in_projects_and_ungrouped_are_seen_with_their_environment() -> None:
    bp = blueprint(PROJECT)
    assert [(s.name, s.environment) for s in bp.services] == [
        ("docs", None),
        ("api", "shop/production"),
        ("api-staging", "shop/staging"),
    ]
    assert bp.web_service is not None
    assert bp.web_service.name == "api", "a static site is not the app's web service"


def test_a_web_service_inside_a_project_satisfies_rb001() -> None:
    assert web_service_present(blueprint(PROJECT)) == []


def test_a_reference_into_another_environment_names_both_lines() -> None:
    [finding] = references_resolve(blueprint(PROJECT))
    assert str(finding) == (
        "render.yaml:21: projects[0].environments[1].services[0].envVars[0].fromDatabase: "
        "DATABASE_URL refers to 'prod-db', declared at line 13 in environment shop/production: "
        "references resolve within one environment (RB016)"
    )


def test_a_misspelt_reference_suggests_the_declared_name_and_its_line() -> None:
    text = PROJECT.replace("name: prod-db, property", "name: prod-bd, property", 1)
    findings = [str(f) for f in references_resolve(blueprint(text))]
    assert any(
        "render.yaml:11:" in f and "'prod-bd'" in f and "did you mean 'prod-db' (line 13)?" in f
        for f in findings
    ), findings
