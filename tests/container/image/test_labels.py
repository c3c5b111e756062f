"""The image names what it was built on: the OCI base-name label holds PYTHON_IMAGE exactly as
given, a registry host and port included (the registry rehearsal runs this on a pulled base)."""

from __future__ import annotations

import pytest

from deploycheck.targets.image import Image

pytestmark = pytest.mark.container

BASE_NAME_LABEL = "org.opencontainers.image.base.name"


def test_image_names_its_base_as_given(app_image: Image, python_image: str) -> None:
    labels = app_image.config.get("Labels") or {}
    assert labels.get(BASE_NAME_LABEL) == python_image, (
        f"{app_image.ref}: label {BASE_NAME_LABEL} is {labels.get(BASE_NAME_LABEL)!r}, "
        f"expected the base it was built on, {python_image!r}"
    )
