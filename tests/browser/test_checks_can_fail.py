"""The suite's checks turn red on pages broken on purpose (tests.browser.support.PROBE_PAGES,
served with the app's script policy): an inline script the policy blocks, a console error, an
uncaught exception, and an image and an input no screen reader can name."""

from __future__ import annotations

import textwrap

import pytest
from playwright.sync_api import Page

from tests.browser.support import (
    CHROMIUM_VAR,
    ROOT,
    PageWatcher,
    StaticSite,
    assert_accessible,
    axe_violations,
    chromium_executable,
)


def test_a_clean_page_passes(
    watched: tuple[Page, PageWatcher], probe_site: StaticSite, axe: str
) -> None:
    page, watcher = watched
    page.goto(f"{probe_site.url}/clean")
    assert page.evaluate("document.documentElement.dataset.ready") == "yes"
    assert watcher.problems() == []
    assert axe_violations(page, axe) == []


@pytest.mark.parametrize(
    ("path", "kind", "expected"),
    [
        # Chromium also logs the blocked script to the console; the policy's event is the proof.
        ("/inline-script", "csp_violations", "script-src-elem blocked inline"),
        ("/console-error", "console_errors", "the probe logged an error"),
        ("/uncaught", "page_errors", "Error: the probe threw"),
    ],
)
def test_the_watcher_reports(
    watched: tuple[Page, PageWatcher], probe_site: StaticSite, path: str, kind: str, expected: str
) -> None:
    page, watcher = watched
    page.goto(probe_site.url + path)
    watcher.settle()
    assert any(expected in entry for entry in getattr(watcher, kind)), vars(watcher)
    with pytest.raises(pytest.fail.Exception, match="problem"):
        watcher.assert_clean()


def test_the_blocked_inline_script_did_not_run(
    watched: tuple[Page, PageWatcher], probe_site: StaticSite
) -> None:
    """What the watcher reports is what the person got: the policy really stopped the script."""
    page, watcher = watched
    page.goto(f"{probe_site.url}/inline-script")
    assert page.title() == "Inline script"
    with pytest.raises(pytest.fail.Exception, match="CSP violation"):
        watcher.assert_clean()


def test_axe_reports_an_unnamed_image_and_input(
    page: Page, probe_site: StaticSite, axe: str
) -> None:
    page.goto(f"{probe_site.url}/unlabelled")
    found = {violation["id"]: violation["impact"] for violation in axe_violations(page, axe)}
    assert found == {"image-alt": "critical", "label": "critical"}
    with pytest.raises(pytest.fail.Exception, match="(?s)image-alt .critical.*label .critical"):
        assert_accessible(page, axe)


def test_a_page_with_a_problem_fails_its_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, chromium: str
) -> None:
    """The ``page`` fixture makes a test that passed fail: end to end, in a pytest of its own."""
    pytester.makeconftest(
        "from tests.browser.conftest import "
        "browser, chromium, page, probe_site, pytest_runtest_call, watched  # noqa: F401"
    )
    pytester.makepyfile(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.parametrize("path", ["/clean", "/inline-script", "/uncaught"])
            def test_visit(page, probe_site, path):
                page.goto(probe_site.url + path)

            @pytest.mark.xfail(strict=True, reason="a known defect")
            def test_known_defect(page, probe_site):
                page.goto(probe_site.url + "/inline-script")
            """
        )
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2, xfailed=1)
    result.stdout.fnmatch_lines(
        [
            "*CSP violation: script-src-elem blocked inline*",
            "*uncaught exception: Error: the probe threw*",
        ]
    )


def test_a_missing_browser_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHROMIUM_VAR, "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium at /nonexistent/chromium: run "):
        chromium_executable()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: a missing browser is a failure"):
        chromium_executable()
