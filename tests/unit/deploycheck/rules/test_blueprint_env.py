"""RB010 on a placeholder: a value that plainly asks to be replaced is a warning, a weak
default the app would run with stays an error (tests/fixtures/secrets/placeholders.render.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deploycheck.findings import Level
from deploycheck.placeholders import is_placeholder
from deploycheck.rules.blueprint_env import no_literal_secret_by_name
from deploycheck.targets.blueprint import Blueprint

FIXTURE = Path(__file__).parents[3] / "fixtures" / "secrets" / "placeholders.render.yaml"


def test_each_value_gets_the_level_its_line_states() -> None:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    expected = {
        n: Level.WARNING if m.group(1) == "warning" else Level.ERROR
        for n, line in enumerate(lines, 1)
        if (m := re.search(r"# (warning|error)$", line))
    }
    found = list(no_literal_secret_by_name(Blueprint.load(FIXTURE)))
    assert {f.line: f.level for f in found} == expected
    assert Level.ERROR in expected.values()
    assert Level.WARNING in expected.values()
    placeholder = next(f for f in found if f.level is Level.WARNING)
    assert "placeholder" in placeholder.message
    assert "sync: false" in placeholder.message


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("configure_cloudinary_to_enable_uploaded_images", True),
        ("your_api_key_here", True),
        ("Changeme", True),
        ("put your token here", True),
        ("dev-secret-key", False),
        ("secret", False),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", False),  # pragma: allowlist secret
        (1234, False),
    ],
)
def test_placeholder_shapes(value: object, placeholder: bool) -> None:
    assert is_placeholder(value) is placeholder
