"""Meta-tests: every image check fails on an image built to break it, so a green run means
the checks looked, not that they cannot see. Variants are built for real on the session's
layer cache; only the code-before-requirements variant has to install dependencies."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest

from deploycheck.rules.image import (
    SizeBudget,
    check_code_not_writable,
    check_forbidden_files,
    check_healthcheck,
    check_layer_caching,
    check_runtime_user,
    check_secrets_in_layers,
    check_secrets_in_metadata,
    check_size,
    check_user,
    check_wasted_space,
)
from deploycheck.targets.image import Image
from deploycheck.testing.assertions import assert_has
from deploycheck.testing.builds import ImageBuilds, copy_build_context
from deploycheck.testing.container import AppEnv, running_app
from deploycheck.testing.image import read_files, read_layer_files

pytestmark = [pytest.mark.container, pytest.mark.slow]

BROKEN_DOCKERFILES = "tests/fixtures/dockerfiles"
BROKEN_IMAGES = "tests/fixtures/images"
APP_UID = 10001


@pytest.mark.parametrize(
    ("added", "total"), [(0.001, None), (1000.0, 0.001)], ids=["added-over", "total-over"]
)
def test_size_check_fails_over_budget(
    app_image: Image, size_budget: SizeBudget, added: float, total: float | None
) -> None:
    tiny = SizeBudget(added, size_budget.base, total)
    assert_has(check_size(app_image, tiny), "IMG001", None, f"{app_image.ref} on a 1 kB budget")


def test_root_user_variant_fails_config_and_runtime_user_checks(
    image_builds: ImageBuilds, migrated_env: AppEnv, project_root: Path
) -> None:
    variant = image_builds.build(
        "meta-root-user", project_root, dockerfile=f"{BROKEN_DOCKERFILES}/root-user.Dockerfile"
    ).image
    assert_has(check_user(variant), "IMG002", None, f"{variant.ref}'s config")
    container = migrated_env.container(variant.ref)
    with running_app(container):
        code, output = container.exec(["id", "-u"])
        uid = int(output.decode()) if code == 0 else -1
        findings = list(check_runtime_user(variant.ref, uid, container.processes()))
    assert_has(findings, "IMG002", None, f"the running {variant.ref}")


def test_code_before_requirements_variant_fails_layer_caching(
    image_builds: ImageBuilds, tmp_path: Path, project_root: Path
) -> None:
    context = copy_build_context(project_root, tmp_path / "context")
    dockerfile = f"{BROKEN_DOCKERFILES}/code-before-requirements.Dockerfile"
    before = image_builds.build("meta-code-first-before", context, dockerfile=dockerfile)
    init = context / "app" / "__init__.py"
    # A change no other build has made: the engine's cache is shared with other runs.
    init.write_text(init.read_text() + f"\n# a code-only change {secrets.token_hex(8)}\n")
    after = image_builds.build("meta-code-first-after", context, dockerfile=dockerfile)
    assert_has(check_layer_caching(before, after), "IMG008", None, dockerfile)


def test_image_without_healthcheck_fails_healthcheck_check(
    image_builds: ImageBuilds, project_root: Path
) -> None:
    variant = image_builds.build(
        "meta-no-healthcheck",
        project_root,
        dockerfile=f"{BROKEN_DOCKERFILES}/no-healthcheck.Dockerfile",
    ).image
    assert_has(check_healthcheck(variant), "IMG003", None, f"{variant.ref}'s config")


def test_code_owned_by_app_user_fails_writable_check(
    image_builds: ImageBuilds, project_root: Path
) -> None:
    dockerfile = f"{BROKEN_IMAGES}/code-owned-by-app-user.Dockerfile"
    variant = image_builds.build("meta-code-owned", project_root, dockerfile=dockerfile).image
    findings = check_code_not_writable(
        variant, list(read_files(image_builds.client, variant)), APP_UID
    )
    assert_has(findings, "IMG006", None, f"{variant.ref}'s /app")


def test_leaky_image_fails_waste_file_and_secret_checks(
    image_builds: ImageBuilds, known_secrets: list[str], tmp_path: Path, project_root: Path
) -> None:
    # The .env is written here, not committed: the repository ignores .env files.
    shutil.copy(project_root / BROKEN_IMAGES / "leaky.Dockerfile", tmp_path / "Dockerfile")
    (tmp_path / ".env").write_text(f"FLASK_SECRET_KEY={known_secrets[0]}\n")
    database_url = f"postgresql://gradetracker:{known_secrets[-1]}@postgres:5432/gradetracker"
    variant = image_builds.build(
        "meta-leaky", tmp_path, dockerfile="Dockerfile", buildargs={"DATABASE_URL": database_url}
    ).image
    files = list(read_files(image_builds.client, variant))
    assert_has(check_wasted_space(variant, files), "IMG004", None, f"{variant.ref}'s filesystem")
    assert_has(check_forbidden_files(variant, files), "IMG005", None, f"{variant.ref}'s /app")
    leaks = list(check_secrets_in_metadata(variant, known_secrets))
    assert_has(leaks, "IMG007", None, f"{variant.ref}'s env and history")
    assert len(leaks) == 2, f"expected the ENV and the history leak, found: {leaks}"


def test_secret_written_then_deleted_is_found_in_its_layer(
    image_builds: ImageBuilds, base_image: Image, project_root: Path
) -> None:
    """The final filesystem and the history are clean; the first RUN's layer is not."""
    dockerfile = f"{BROKEN_IMAGES}/secret-in-deleted-layer.Dockerfile"
    variant = image_builds.build("meta-secret-layer", project_root, dockerfile=dockerfile).image
    final = {entry.path for entry in read_files(image_builds.client, variant)}
    assert "/tmp/deploy-token" not in final
    assert list(check_secrets_in_metadata(variant)) == []
    files = read_layer_files(image_builds.client, variant, skip=len(base_image.diff_ids))
    (finding,) = check_secrets_in_layers(variant, files)
    assert finding.rule_id == "IMG009"
    assert "/tmp/deploy-token holds DEPLOY_TOKEN set to a random-looking string" in finding.message
    assert "deleted by a later layer but still shipped" in finding.message
    assert "written by layer" in finding.message
    assert "import secrets; open('/tmp/deploy-token'" in finding.message
