"""Edge cases of the DF rules on small inline Dockerfiles: what each rule lets through and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.config import load_config
from deploycheck.findings import Finding
from deploycheck.registry import Settings
from deploycheck.rules import dockerfile as dockerfile_rules
from deploycheck.targets.dockerfile import Dockerfile

PROJECT = load_config(Path(__file__).resolve().parents[4] / ".deploycheck.yaml")


def check(df: Dockerfile, settings: Settings = PROJECT) -> list[Finding]:
    """The DF rules as this repository runs them (with its .deploycheck.yaml)."""
    return dockerfile_rules.check(df, settings)


# A compact Dockerfile that passes every DF rule; each case swaps one line for another.
GOOD = """\
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}
ENV PIP_NO_CACHE_DIR=1 PORT=10000
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY app/ app/
USER 10001:10001
EXPOSE 10000
HEALTHCHECK --start-period=40s CMD ["python", "-m", "app.healthcheck", "/health"]
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
"""


def rule_lines(tmp_path: Path, text: str, rule_id: str) -> list[int | None]:
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    return [f.line for f in check(Dockerfile(path)) if f.rule_id == rule_id]


def test_compact_dockerfile_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(GOOD, encoding="utf-8")
    assert check(Dockerfile(path)) == []


PASSING = [
    pytest.param(
        "DF001",
        "ARG PYTHON_IMAGE=python:3.11-slim-bookworm",
        "ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:" + "a" * 64,
        id="digest-pinned-base",
    ),
    pytest.param(
        "DF002",
        "FROM ${PYTHON_IMAGE}",
        "FROM python:3.11 AS build\nRUN true\nFROM ${PYTHON_IMAGE}",
        id="full-image-only-in-a-builder-stage",
    ),
    pytest.param(
        "DF002",
        "ARG PYTHON_IMAGE=python:3.11-slim-bookworm",
        "ARG PYTHON_IMAGE=docker.io/library/python:3.11.9-slim-bookworm",
        id="patch-pinned-family",
    ),
    pytest.param(
        "DF005",
        'CMD ["python", "-m", "app.healthcheck", "/health"]',
        "CMD python -m app.healthcheck /health",
        id="shell-form-probe",
    ),
    pytest.param(
        "DF005",
        'CMD ["python", "-m", "app.healthcheck", "/health"]',
        'CMD ["curl", "-f", "http://localhost:10000/health"]',
        id="url-probe",
    ),
    pytest.param("DF010", "WORKDIR /app", "ARG SENTRY_DSN\nWORKDIR /app", id="bare-arg"),
    pytest.param("DF010", "WORKDIR /app", "ENV API_KEY=$API_KEY\nWORKDIR /app", id="reference"),
    pytest.param(
        "DF010",
        "WORKDIR /app",
        "ENV SECRET_KEY_FILE=/run/secrets/key\nWORKDIR /app",
        id="secret-file-path",
    ),
    pytest.param(
        "DF010",
        "WORKDIR /app",
        "ENV GOOGLE_API_KEY=no AUTH0_TOKEN_SIGN_ALG=RS256\nWORKDIR /app",
        id="flag-and-algorithm-under-secret-names",
    ),
    pytest.param(
        "DF010",
        "FROM ${PYTHON_IMAGE}",
        "FROM ${PYTHON_IMAGE} AS test\nENV TEST_PASSWORD=test\nFROM ${PYTHON_IMAGE}",
        id="dev-password-in-a-builder-stage",
    ),
    pytest.param(
        "DF009",
        "ARG PYTHON_IMAGE",
        "# note\n# syntax=docker/dockerfile:1\nARG PYTHON_IMAGE",
        id="syntax-after-a-comment-is-a-comment",
    ),
    pytest.param(
        "DF014",
        "RUN pip install -r requirements.txt",
        "RUN pip install --no-cache-dir -r requirements.txt",
        id="no-cache-flag",
    ),
]


@pytest.mark.parametrize(("rule_id", "old", "new"), PASSING)
def test_rule_accepts(tmp_path: Path, rule_id: str, old: str, new: str) -> None:
    assert old in GOOD
    assert rule_lines(tmp_path, GOOD.replace(old, new, 1), rule_id) == []


FAILING = [
    pytest.param("DF001", "FROM ${PYTHON_IMAGE}", "FROM ${UNSET_IMAGE}", 2, id="unresolvable"),
    pytest.param("DF003", "COPY requirements.txt .", "COPY . .", 5, id="copy-dot-before-install"),
    pytest.param("DF003", "COPY requirements.txt .\n", "", 5, id="requirements-never-copied"),
    pytest.param("DF004", "USER 10001:10001", "USER 0:0", 8, id="uid-0"),
    pytest.param(
        "DF004",
        'USER 10001:10001\nEXPOSE 10000\nHEALTHCHECK --start-period=40s CMD ["python", "-m", '
        '"app.healthcheck", "/health"]\nCMD ["gunicorn", "--config", "gunicorn.conf.py"]',
        'EXPOSE 10000\nHEALTHCHECK --start-period=40s CMD ["python", "-m", "app.healthcheck", '
        '"/health"]\nCMD ["gunicorn", "--config", "gunicorn.conf.py"]\nUSER 10001:10001',
        11,
        id="user-after-cmd",
    ),
    pytest.param("DF005", 'CMD ["python"', "NONE\nFOO [", 10, id="healthcheck-none"),
    pytest.param("DF007", 'CMD ["gunicorn", "--config", "gunicorn.conf.py"]', "", 2, id="no-cmd"),
    pytest.param("DF008", "EXPOSE 10000", "EXPOSE 8000", 9, id="port-not-exposed"),
    pytest.param(
        "DF010",
        "WORKDIR /app",
        "ENV DATABASE_URL=postgresql://app:hunter2@db/app\nWORKDIR /app",
        4,
        id="url-with-password",
    ),
    pytest.param(
        "DF010",
        "WORKDIR /app",
        "ARG GITHUB_TOKEN=ghp_example\nWORKDIR /app",
        4,
        id="token-name",
    ),
    pytest.param(
        "DF010",
        "WORKDIR /app",
        "ENV FLASK_SECRET_KEY=dev-secret-key\nWORKDIR /app",
        4,
        id="tutorial-key-in-the-final-stage",
    ),
    pytest.param(
        "DF013",
        "COPY app/ app/",
        "COPY --from=tool:latest /bin/x /bin/x\nCOPY app/ app/",
        7,
        id="copy-from-latest",
    ),
]


@pytest.mark.parametrize(("rule_id", "old", "new", "line"), FAILING)
def test_rule_rejects(tmp_path: Path, rule_id: str, old: str, new: str, line: int) -> None:
    assert old in GOOD
    assert rule_lines(tmp_path, GOOD.replace(old, new, 1), rule_id) == [line]


def test_secret_messages_never_echo_the_value(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(GOOD.replace("WORKDIR /app", "ENV FLASK_SECRET_KEY=s3cr3t-v4lue\nWORKDIR /app"))
    (finding,) = [f for f in check(Dockerfile(path)) if f.rule_id == "DF010"]
    assert "s3cr3t-v4lue" not in str(finding)


PIP_CACHE_CASES = [
    pytest.param("ENV PIP_NO_CACHE_DIR=off\nRUN pip install six==1.16.0", [2], id="falsy-env"),
    pytest.param("RUN PIP_NO_CACHE_DIR=no pip install six==1.16.0", [1], id="falsy-prefix"),
    pytest.param("RUN PIP_NO_CACHE_DIR=yes pip install six==1.16.0", [], id="truthy-prefix"),
    pytest.param("RUN pipx install black==24.4.2", [], id="pipx-is-not-pip"),
    pytest.param("RUN pipenv install --deploy", [], id="pipenv-is-not-pip"),
    pytest.param("RUN pip install --no-cache-dir six==1.16.0 || true", [], id="no-cache-dir"),
    pytest.param(
        "FROM x:1 AS base\nENV PIP_NO_CACHE_DIR=true\nFROM base\nRUN pip install six==1.16.0",
        [],
        id="inherited-env",
    ),
    pytest.param(
        "FROM x:1 AS base\nENV PIP_NO_CACHE_DIR=true\nFROM x:1\nRUN pip install six==1.16.0",
        [4],
        id="env-of-another-stage",
    ),
]


@pytest.mark.parametrize(("body", "lines"), PIP_CACHE_CASES)
def test_pip_cache_rule_reads_the_command_and_the_stage(
    tmp_path: Path, body: str, lines: list[int]
) -> None:
    text = body if body.startswith("FROM") else f"FROM x:1\n{body}"
    offset = 0 if body.startswith("FROM") else 1
    path = tmp_path / "Dockerfile"
    path.write_text(text + "\n", encoding="utf-8")
    found = [f.line for f in check(Dockerfile(path)) if f.rule_id == "DF014"]
    assert found == [line + offset for line in lines]
