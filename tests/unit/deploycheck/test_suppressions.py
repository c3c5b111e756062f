"""Inline suppressions: ``# deploycheck: ignore=ID -- reason`` and ``ignore-file=``."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.blueprint_check import check_blueprint
from deploycheck.config import Config
from deploycheck.dockerfile_check import check_dockerfile
from deploycheck.findings import Finding, Level
from deploycheck.suppressions import apply, parse
from tests.unit.deploycheck.support import FOREIGN

# A Dockerfile whose only generic problem is its root user (DF004 at the CMD, line 6).
ROOT_USER = """FROM node:20.11-bookworm-slim
WORKDIR /srv
COPY . .
EXPOSE 3000
HEALTHCHECK --start-period=10s CMD ["node", "healthcheck.js"]
{comment}CMD ["node", "server.js"]
"""


def dockerfile_with(tmp_path: Path, comment: str = "", top: str = "") -> list[Finding]:
    (tmp_path / ".dockerignore").write_text((FOREIGN / ".dockerignore").read_text())
    path = tmp_path / "Dockerfile"
    path.write_text(top + ROOT_USER.format(comment=comment), encoding="utf-8")
    return check_dockerfile(path, root=tmp_path, config=Config(), environ={}).findings


def ids(findings: list[Finding]) -> set[str]:
    return {f.rule_id for f in findings if f.level >= Level.WARNING}


def test_the_unsuppressed_file_has_its_finding(tmp_path: Path) -> None:
    assert ids(dockerfile_with(tmp_path)) == {"DF004"}


def test_ignore_on_the_line_before_silences_it(tmp_path: Path) -> None:
    comment = "# deploycheck: ignore=DF004 -- the base image's entrypoint drops to node\n"
    assert ids(dockerfile_with(tmp_path, comment)) == set()


def test_ignore_file_with_a_reason_silences_the_rule(tmp_path: Path) -> None:
    top = "# deploycheck: ignore-file=DF004 -- runs under a user namespace on the host\n"
    assert ids(dockerfile_with(tmp_path, top=top)) == set()


def test_a_suppression_without_a_reason_is_a_finding(tmp_path: Path) -> None:
    found = dockerfile_with(tmp_path, top="# deploycheck: ignore-file=DF004\n")
    (finding,) = [f for f in found if f.rule_id == "SUP001"]
    assert (finding.line, finding.level) == (1, Level.ERROR)
    assert "gives no reason" in finding.message
    assert "DF004" not in ids(found)


def test_a_suppression_that_silences_nothing_is_reported(tmp_path: Path) -> None:
    top = "# deploycheck: ignore-file=DF004,DF012 -- DF012 was an ADD, long gone\n"
    found = dockerfile_with(tmp_path, top=top)
    (unused,) = [f for f in found if f.rule_id == "SUP002"]
    assert (unused.line, unused.level) == (1, Level.WARNING)
    assert "suppresses nothing for DF012" in unused.message


def test_a_suppression_of_no_known_rule_says_so(tmp_path: Path) -> None:
    found = dockerfile_with(tmp_path, top="# deploycheck: ignore-file=ZZ123 -- typo\n")
    (unused,) = [f for f in found if f.rule_id == "SUP002"]
    assert "it is no rule id" in unused.message


def test_a_suppression_far_from_the_finding_does_not_apply(tmp_path: Path) -> None:
    comment = "# deploycheck: ignore=DF004 -- wrong place\nSTOPSIGNAL SIGTERM\n"
    assert ids(dockerfile_with(tmp_path, comment)) == {"DF004", "SUP002"}


def test_hadolint_codes_can_be_suppressed_too(tmp_path: Path) -> None:
    as_root = "USER root\n"
    assert {"DF004", "DL3002"} <= ids(dockerfile_with(tmp_path, as_root))
    comment = "# deploycheck: ignore=DL3002 -- DF004 already says it\n"
    assert ids(dockerfile_with(tmp_path, comment + as_root)) == {"DF004"}


def test_yaml_comments_suppress_blueprint_findings(tmp_path: Path) -> None:
    path = tmp_path / "render.yaml"
    text = (FOREIGN / "render.yaml").read_text(encoding="utf-8")
    no_health = text.replace("    healthCheckPath: /ready\n", "")
    path.write_text(no_health, encoding="utf-8")
    assert check_blueprint(path, config=Config(), environ={}).rule_ids() == {"RB008"}
    comment = "  # deploycheck: ignore=RB008 -- a queue consumer, Render never routes to it\n"
    path.write_text(no_health.replace("  - type: web\n", comment + "  - type: web\n"))
    assert check_blueprint(path, config=Config(), environ={}).findings == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# deploycheck: ignore=DF004 -- why", ("DF004",)),
        ("RUN x  # deploycheck: ignore=df004, DF012 -- why", ("DF004", "DF012")),
        ("#deploycheck:ignore-file=DF004--why", ("DF004",)),
        ("# deploycheck: ignore DF004", None),
    ],
)
def test_directive_syntax(line: str, expected: tuple[str, ...] | None) -> None:
    found = parse(line, "x")
    assert (found[0].rule_ids if found else None) == expected


def test_the_same_id_elsewhere_in_the_file_stays(tmp_path: Path) -> None:
    suppressions = parse("# deploycheck: ignore=DF004 -- why\nFROM x\n\n\nCMD y\n", "Dockerfile")
    near, far = Finding("Dockerfile", 2, "DF004", "a"), Finding("Dockerfile", 5, "DF004", "b")
    assert apply([near, far], suppressions) == [far]
