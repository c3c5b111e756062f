"""The secret heuristics of issue 21, class by class: look-alikes give no finding, real secrets
do, as a value (tests/fixtures/secrets/values.yaml), in a Dockerfile (DF010, DF016), in a
Blueprint (RB010, RB011), in a file a build step wrote and in a command line."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploycheck.findings import Level
from deploycheck.rules.blueprint_env import no_literal_secret_by_name, no_literal_secret_by_value
from deploycheck.rules.dockerfile_hygiene import no_secret_build_args, no_secrets_in_env_or_arg
from deploycheck.secret_text import secret_in_text
from deploycheck.secret_values import literal_secret, secret_reason
from deploycheck.targets.blueprint import Blueprint
from deploycheck.targets.dockerfile import Dockerfile

FIXTURES = Path(__file__).parents[2] / "fixtures" / "secrets"
CASES: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "values.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[case["class"] for case in CASES])
def test_each_class_gets_its_verdict(case: dict[str, Any]) -> None:
    reason = literal_secret(case["name"], case["value"], shipped=case["shipped"])
    expected = "a finding" if case["verdict"] == "fail" else "no finding"
    assert (reason is not None) is (case["verdict"] == "fail"), (
        f"{case['class']} ({case['source']}): expected {expected}, found {reason!r}"
    )


def test_the_fixture_covers_both_verdicts_with_sources() -> None:
    assert {case["verdict"] for case in CASES} == {"pass", "fail"}
    assert all(case.get("source") for case in CASES), "every class names its source"


def marked_lines(path: Path, rule_id: str) -> list[int]:
    """Lines a fixture marks as failing ``rule_id``: the line after a ``# DF010`` comment line in
    a Dockerfile, a line ending in ``# RB010 ...`` in YAML."""
    lines = path.read_text().splitlines()
    if path.suffix == ".Dockerfile":
        return [n + 1 for n, line in enumerate(lines, 1) if line.strip() == f"# {rule_id}"]
    return [n for n, line in enumerate(lines, 1) if re.search(rf"#( RB\d+)* {rule_id}\b", line)]


def test_dockerfile_look_alikes_pass() -> None:
    df = Dockerfile(FIXTURES / "pass.Dockerfile")
    assert list(no_secrets_in_env_or_arg(df)) == []


def test_dockerfile_secrets_fail_at_their_lines() -> None:
    path = FIXTURES / "fail.Dockerfile"
    findings = list(no_secrets_in_env_or_arg(Dockerfile(path)))
    assert [f.line for f in findings] == marked_lines(path, "DF010"), findings
    assert all(f.level is Level.ERROR for f in findings)
    values = re.findall(r"=(\S+)$", path.read_text(), re.M)
    leaked = [f.message for f in findings for value in values if value in f.message]
    assert not leaked, f"messages echo a secret value: {leaked}"


def test_dockerfile_secret_build_args_warn_only_where_the_history_ships() -> None:
    findings = list(no_secret_build_args(Dockerfile(FIXTURES / "pass.Dockerfile")))
    levels = {f.message.split()[1]: f.level for f in findings}
    assert levels == {"PIP_INDEX_TOKEN": Level.INFO, "API_KEY": Level.WARNING}, findings


@pytest.mark.parametrize("rule", [no_literal_secret_by_name, no_literal_secret_by_value])
def test_blueprint_look_alikes_pass(rule: Any) -> None:
    assert list(rule(Blueprint.load(FIXTURES / "pass.render.yaml"))) == []


@pytest.mark.parametrize(
    ("rule", "rule_id"),
    [(no_literal_secret_by_name, "RB010"), (no_literal_secret_by_value, "RB011")],
)
def test_blueprint_secrets_fail_at_their_lines(rule: Any, rule_id: str) -> None:
    path = FIXTURES / "fail.render.yaml"
    findings = list(rule(Blueprint.load(path)))
    assert [f.line for f in findings] == marked_lines(path, rule_id), findings


HEX_KEY = secrets.token_hex(20)
URLSAFE_KEY = secrets.token_urlsafe(32)
HELP_TEXT = "url = 'postgres://user:password@host:port/name'"  # pragma: allowlist secret


@pytest.mark.parametrize(
    ("text", "filename", "found"),
    [
        (f"FLASK_SECRET_KEY={HEX_KEY}\n", "/app/.env", "FLASK_SECRET_KEY set to a 40-digit hex"),
        (f'export FLASK_SECRET_KEY="{HEX_KEY}"\n', "/etc/profile.d/app.sh", "40-digit hex"),
        (f'{{"apiKey": "{URLSAFE_KEY}"}}', "/app/static/config.json", "apiKey set to a random"),
        (f"[db]\npassword = {URLSAFE_KEY}\n", "/etc/app.ini", "password set to a random"),
        (URLSAFE_KEY, "/tmp/deploy-token", "a random-looking string"),
        (HELP_TEXT, "/app/app/config.py", None),
        ("SECRET_KEY = os.environ['FLASK_SECRET_KEY']", "/app/app/config.py", None),
        (f"commit = {HEX_KEY}\n", "/app/VERSION", None),
        (f"-----BEGIN CERTIFICATE-----\n{URLSAFE_KEY}\n", "/etc/ssl/certs/ca.pem", None),
        (URLSAFE_KEY, "/app/static/app.js.map", None),
    ],
    ids=[
        "env-file-hex",
        "shell-export",
        "json",
        "ini",
        "secret-named-file",
        "help-text",
        "reads-from-env",
        "commit-sha",
        "public-certificate",
        "random-text-without-a-name",
    ],
)
def test_secrets_in_a_written_file(text: str, filename: str, found: str | None) -> None:
    reason = secret_in_text(text, filename=filename)
    if found is None:
        assert reason is None, f"{filename}: expected no finding, found {reason!r}"
    else:
        assert reason is not None, f"{filename}: expected {found!r}, found no finding"
        assert found in reason, f"{filename}: {reason!r}"
        assert HEX_KEY not in reason
        assert URLSAFE_KEY not in reason


def test_a_random_word_in_a_command_line_is_found() -> None:
    command = f'/bin/sh -c curl -H "Authorization: Bearer {URLSAFE_KEY}" https://api.invalid/x'
    assert secret_in_text(command, command=True) is not None
    assert secret_in_text(command) is None, "a file needs a name beside the value"


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("postgresql://app:s3cret@db:5432/app", True),
        ("Zx8pQ2vLr7Kd9TmW4sYb1NcF6hJg3", True),
        ("https://gradetracker.onrender.com", False),
        ("300 per minute", False),
        ("info", False),
        ("redis://gradetracker-cache:6379", False),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaa", False),
    ],
)
def test_secret_detection_by_value(value: str, secret: bool) -> None:
    assert bool(secret_reason(value)) is secret, f"{value!r}: {secret_reason(value)}"
