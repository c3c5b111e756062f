"""IMG009 on images built for real (issue 21): a hex key written to a ``.env`` and deleted in
the next layer is found, naming the layer and the file; a RUN that rewrites a file holding the
app's placeholder help text (``user:password@host:port/name``) is not a leak."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.rules.image import check_secrets_in_layers, check_secrets_in_metadata
from deploycheck.targets.image import Image
from deploycheck.testing.assertions import assert_clean
from deploycheck.testing.builds import ImageBuilds
from deploycheck.testing.image import read_files, read_layer_files

pytestmark = [pytest.mark.container, pytest.mark.slow]

IMAGES = "tests/fixtures/images"
HELP_TEXT = b"://user:password@host"  # pragma: allowlist secret


def test_hex_key_in_a_deleted_env_file_is_found_in_its_layer(
    image_builds: ImageBuilds, base_image: Image, project_root: Path
) -> None:
    dockerfile = f"{IMAGES}/hex-key-in-deleted-env.Dockerfile"
    variant = image_builds.build("meta-hex-env", project_root, dockerfile=dockerfile).image
    assert "/app/.env" not in {entry.path for entry in read_files(image_builds.client, variant)}
    assert_clean(check_secrets_in_metadata(variant), f"{variant.ref}'s env and history")
    files = list(read_layer_files(image_builds.client, variant, skip=len(base_image.diff_ids)))
    written = next(entry for entry in files if entry.path == "/app/.env")
    (finding,) = check_secrets_in_layers(variant, files)
    assert finding.rule_id == "IMG009"
    assert finding.message.startswith(
        "/app/.env holds FLASK_SECRET_KEY set to a 40-digit hex key, deleted by a later layer "
        f"but still shipped in this one: written by layer {written.layer} "
    ), finding.message
    assert "import secrets; open('.env'" in finding.message
    key = written.data.decode().strip().split("=", 1)[1] if written.data else ""
    assert len(key) == 40, f"expected the layer's .env to hold a 40-digit key, found {key!r}"
    assert key not in str(finding), "the message must not echo the key"


def test_rewritten_file_with_placeholder_help_text_passes(
    image_builds: ImageBuilds, base_image: Image, project_root: Path
) -> None:
    dockerfile = f"{IMAGES}/rewrites-help-text.Dockerfile"
    variant = image_builds.build("meta-help-text", project_root, dockerfile=dockerfile).image
    files = list(read_layer_files(image_builds.client, variant, skip=len(base_image.diff_ids)))
    rewritten = [e for e in files if e.path == "/app/app/config.py" and e.instruction[:3] == "sed"]
    assert rewritten, "expected the sed layer to hold app/config.py"
    assert rewritten[0].data is not None
    assert HELP_TEXT in rewritten[0].data, "expected the help text this test is about"
    assert_clean(check_secrets_in_layers(variant, files), f"{variant.ref}'s layers (IMG009)")
