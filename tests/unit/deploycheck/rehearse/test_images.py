"""The datastore images a Blueprint's declarations select."""

from __future__ import annotations

import pytest

from deploycheck.rehearse.images import postgres_image


@pytest.mark.parametrize(
    ("version", "environ", "image"),
    [
        ("15", {}, "postgres:15-alpine"),
        ("16", {}, "postgres:16-alpine"),
        (
            "15",
            {"POSTGRES_IMAGE": "gradetracker-standin/postgres:15"},
            "gradetracker-standin/postgres:15",
        ),
        ("16", {"POSTGRES_IMAGE": "gradetracker-standin/postgres:15"}, "postgres:16-alpine"),
        (
            "16",
            {"POSTGRES_16_IMAGE": "mirror.local/pg:16", "POSTGRES_IMAGE": "x/postgres:15"},
            "mirror.local/pg:16",
        ),
        (
            "15",
            {"POSTGRES_IMAGE": "registry:5000/postgres:15.4-alpine"},
            "registry:5000/postgres:15.4-alpine",
        ),
    ],
)
def test_postgres_major_version_selects_the_image(
    version: str, environ: dict[str, str], image: str
) -> None:
    assert postgres_image(version, environ) == image
