"""Image names with a registry host and port: the whole-image budget follows the official
Python image to a mirror, and never follows a stand-in, whatever name it is pushed under."""

from __future__ import annotations

import pytest

from deploycheck.rules.image import STANDIN_LABEL, is_official_python


@pytest.mark.parametrize(
    "ref",
    [
        "python:3.11-slim-bookworm",
        "python:3.11.10-slim-bookworm",
        "library/python:3.11-slim-bookworm",
        "docker.io/library/python:3.11-slim-bookworm",
        "docker.io/python:3.11-slim-bookworm",
        "127.0.0.1:5000/library/python:3.11-slim-bookworm",
        "localhost/library/python:3.11-slim-bookworm",
        "mirror.gcr.io/library/python@sha256:" + "0" * 64,
        "python:3.11-slim-bookworm@sha256:" + "0" * 64,
    ],
)
def test_official_python_is_recognised_with_or_without_a_registry(ref: str) -> None:
    assert is_official_python(ref, {})


@pytest.mark.parametrize(
    "ref",
    [
        "gradetracker-standin/python:3.11-slim-bookworm",
        "127.0.0.1:5000/python:3.11-slim-bookworm",
        "ghcr.io/someone/python:3.11-slim-bookworm",
        "127.0.0.1:5000/library/pythonista:3.11",
        "pypy:3.10-slim",
    ],
)
def test_other_images_are_not_the_official_python(ref: str) -> None:
    assert not is_official_python(ref, None)


def test_a_stand_in_pushed_under_the_official_name_is_still_a_stand_in() -> None:
    labels = {STANDIN_LABEL: "0123456789abcdef"}
    assert not is_official_python("127.0.0.1:5000/library/python:3.11-slim-bookworm", labels)
    assert not is_official_python("python:3.11-slim-bookworm", labels)
