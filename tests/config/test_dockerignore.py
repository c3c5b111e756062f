""".dockerignore: what stays out of the build context, what the Dockerfile needs kept in."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.config import load_config
from deploycheck.findings import Finding
from deploycheck.registry import REGISTRY, Settings
from deploycheck.rules import dockerignore
from deploycheck.targets.dockerignore import BuildContext, Dockerignore
from deploycheck.testing.assertions import assert_clean, assert_places

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "dockerignore"
PROJECT = load_config(REPO / ".deploycheck.yaml")
MUST_EXCLUDE = PROJECT.options("DI002")["exclude"]


def check(context: BuildContext, settings: Settings = PROJECT) -> list[Finding]:
    """The DI rules as this repository runs them (with its .deploycheck.yaml)."""
    return dockerignore.check(context, settings)


# Each broken .dockerignore (checked against the real Dockerfile.render) and exactly the
# (rule id, line) places the DI rules must report; "missing" names a file that does not exist.
EXPECTED: dict[str, set[tuple[str, int | None]]] = {
    "env-let-in": {("DI002", 39)},
    "excludes-requirements": {("DI003", 7)},
    "missing": {("DI001", None)},
}


@pytest.fixture(scope="module")
def context() -> BuildContext:
    """The repository's build context: Dockerfile.render and .dockerignore at the root."""
    return BuildContext.at(REPO)


def fixture_context(name: str) -> BuildContext:
    return BuildContext.at(REPO, dockerignore=FIXTURES / f"{name}.dockerignore")


def test_real_dockerignore_passes_every_rule(context: BuildContext) -> None:
    assert_clean(check(context), ".dockerignore")


@pytest.mark.parametrize("sample", MUST_EXCLUDE)
def test_keeps_out(context: BuildContext, sample: str) -> None:
    pattern = context.dockerignore.deciding_pattern(sample)
    assert context.dockerignore.excludes(sample), (
        f"expected .dockerignore to exclude {sample}, found it sent to the build context "
        f"(deciding pattern: {pattern})"
    )


def test_keeps_in_what_the_dockerfile_copies(context: BuildContext) -> None:
    required = {path for path, _ in context.required_paths()}
    assert {"requirements.txt", "app", "migrations", "gunicorn.conf.py"} <= required
    assert {"app/__init__.py"} <= required
    kept_out = sorted(p for p in required if context.dockerignore.excludes(p))
    assert kept_out == [], f"expected the COPY sources in the build context, found {kept_out} out"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_fixture_is_rejected_where_it_breaks(name: str) -> None:
    found = check(fixture_context(name))
    assert_places(found, EXPECTED[name], f"{name}.dockerignore")
    assert all(f"{name}.dockerignore" in str(f) for f in found)


def test_env_fixture_names_each_leaked_file() -> None:
    messages = " ".join(f.message for f in check(fixture_context("env-let-in")))
    assert ".env would be sent" in messages
    assert ".env.production would be sent" in messages


def test_every_rule_is_tripped_by_some_fixture() -> None:
    tripped = {f.rule_id for name in EXPECTED for f in check(fixture_context(name))}
    assert set(REGISTRY.ids_for("context")) - tripped == set(), "rules no fixture proves can fail"


def test_every_fixture_file_is_in_the_table() -> None:
    files = {p.stem for p in FIXTURES.glob("*.dockerignore")}
    assert files == set(EXPECTED) - {"missing"}


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        pytest.param("*\n!app/\n", "app/models.py", False, id="allowlisted-dir-content"),
        pytest.param("*\n!app/\n", "app", False, id="allowlisted-dir"),
        # The docker SDK's PatternMatcher gets these two wrong (moby's old parent check).
        pytest.param("*\n!app/\n**/__pycache__\n", "app/x/__pycache__/m.pyc", True, id="deep"),
        pytest.param("**/__pycache__\n", "__pycache__/m.pyc", True, id="doublestar-at-root"),
        pytest.param("*.MD\n", "README.md", False, id="case-matters"),
        pytest.param("*\n!app/\n", "Dockerfile.render", True, id="dockerfile-itself-excluded"),
        pytest.param("# .env\n", ".env", False, id="comment-is-not-a-pattern"),
        pytest.param("/.env\n", ".env", True, id="leading-slash"),
        pytest.param(".env*\n", "app/.env", False, id="single-star-stays-at-root"),
        pytest.param("tests\n", "tests/config/test_x.py", True, id="dir-excludes-children"),
    ],
)
def test_docker_matching_semantics(
    tmp_path: Path, patterns: str, path: str, excluded: bool
) -> None:
    (tmp_path / ".dockerignore").write_text(patterns, encoding="utf-8")
    assert Dockerignore(tmp_path / ".dockerignore").excludes(path) is excluded
