"""The image is small: it fits the size budget and carries no caches or build tools."""

from __future__ import annotations

import pytest

from deploycheck.findings import Level
from deploycheck.rules.image import SizeBudget, check_size, check_wasted_space
from deploycheck.targets.image import FileEntry, Image
from deploycheck.testing.assertions import assert_clean
from deploycheck.testing.image_report import ImageReport

pytestmark = pytest.mark.container


def test_image_fits_size_budget(
    app_image: Image, size_budget: SizeBudget, image_report: ImageReport
) -> None:
    # Printed for -s runs; the same table is in reports/image.md.
    print()
    print(image_report.markdown())
    assert_clean(
        check_size(app_image, size_budget),
        f"{app_image.ref} (budget {size_budget.added_megabytes:g} MB on {size_budget.base.ref})",
    )


def test_image_leaves_no_caches_or_build_tools(
    app_image: Image, image_files: list[FileEntry], image_report: ImageReport
) -> None:
    findings = list(check_wasted_space(app_image, image_files))
    image_report.wasted = findings
    assert_clean(
        [finding for finding in findings if finding.level is Level.ERROR],
        f"{app_image.ref}'s filesystem (IMG004)",
    )
