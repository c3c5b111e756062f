"""deploycheck's pytest plugin comes with the package (the ``pytest11`` entry point): a
nested pytest run with no conftest has its option, markers and fixtures."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    entry_points = {ep.name: ep.value for ep in metadata.entry_points(group="pytest11")}
    assert entry_points.get("deploycheck") == "deploycheck.testing.plugin", entry_points


def test_a_bare_project_gets_the_fixtures_and_the_option(pytester: pytest.Pytester) -> None:
    fixtures = pytester.runpytest_inprocess("--fixtures", "-p", "no:cacheprovider")
    assert fixtures.ret == 0
    for line in (
        "*fixtures defined from deploycheck.testing.plugin*",
        "project_root [[]session scope[]] -- *plugin.py*",
        "docker_engine [[]session scope[]] -- *plugin.py*",
        "clean_postgres -- *plugin.py*",
        "clean_redis -- *plugin.py*",
    ):
        fixtures.stdout.fnmatch_lines([line])
    options = pytester.runpytest_inprocess("--help", "-p", "no:cacheprovider")
    assert options.ret == 0
    options.stdout.fnmatch_lines(["*--require-docker*"])


def test_project_root_is_the_rootdir_or_the_env_var(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(
        test_root="""
        import os
        from pathlib import Path

        def test_root(project_root, report_dir):
            expected = Path(os.environ.get("EXPECTED_ROOT") or Path.cwd())
            assert project_root == expected
            assert report_dir == expected / "reports"
        """
    )
    monkeypatch.delenv("REPORT_DIR", raising=False)
    monkeypatch.delenv("DEPLOYCHECK_PROJECT_ROOT", raising=False)
    monkeypatch.delenv("EXPECTED_ROOT", raising=False)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)

    monkeypatch.setenv("DEPLOYCHECK_PROJECT_ROOT", str(tmp_path))
    monkeypatch.setenv("EXPECTED_ROOT", str(tmp_path))
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_container_marker_is_registered(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("import pytest\n\n@pytest.mark.container\ndef test_x():\n    pass\n")
    pytester.runpytest_inprocess("--strict-markers", "-p", "no:cacheprovider").assert_outcomes(
        passed=1
    )


def test_the_checklist_marker_is_registered_for_the_configs_items(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEPLOYCHECK_CONFIG", raising=False)
    monkeypatch.setenv("REPORT_DIR", str(pytester.path / "reports"))
    (pytester.path / ".deploycheck.yaml").write_text(
        "checklist:\n  items:\n    - {number: 1, title: Backups are restorable}\n"
    )
    pytester.makepyfile("import pytest\n\n@pytest.mark.checklist(1)\ndef test_x():\n    pass\n")
    pytester.runpytest_inprocess("--strict-markers", "-p", "no:cacheprovider").assert_outcomes(
        passed=1
    )
    assert list((pytester.path / "reports" / "checklist").glob("results-*.json"))


def test_the_recorder_is_registered_under_deploycheck_s_name(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_x(request):
            assert request.config.pluginmanager.has_plugin("deploycheck-checklist-recorder")
        """
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
