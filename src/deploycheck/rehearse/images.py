"""The datastore image for what a Blueprint declares, resolved as scripts/provision-images
resolves the container suites' images: a name from the environment (or the project's
``.images.env``) where one is set, the official image where a registry answers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from deploycheck.testing.services import DEFAULT_POSTGRES_IMAGE

OFFICIAL_POSTGRES = "postgres:{version}-alpine"


def postgres_image(version: str, environ: Mapping[str, str] = os.environ) -> str:
    """The image for a database's ``postgresMajorVersion``: ``$POSTGRES_<version>_IMAGE``;
    else ``$POSTGRES_IMAGE`` (default the official 15) when its tag names that major version
    (a stand-in such as ``local-standin/postgres:15``); else the official
    ``postgres:<version>-alpine``, pulled where a registry answers."""
    named = environ.get(f"POSTGRES_{version}_IMAGE")
    if named:
        return named
    default = environ.get("POSTGRES_IMAGE") or DEFAULT_POSTGRES_IMAGE
    if major_version(default) == version:
        return default
    return OFFICIAL_POSTGRES.format(version=version)


def major_version(image: str) -> str | None:
    """The major version an image's tag starts with (``15`` of ``postgres:15-alpine``)."""
    tag = image.rsplit("/", 1)[-1].partition(":")[2]
    found = re.match(r"\d+", tag)
    return found.group() if found else None
