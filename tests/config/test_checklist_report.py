"""The checklist machinery: the pytest plugin records marked tests, the report merges the
results into one verdict per item, and ``deploycheck report`` fails on a failed
item. The recorder comes from deploycheck's pytest plugin (the ``pytest11`` entry point), so
the nested runs here load it without any conftest."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from deploycheck.checklist.evidence import Outcome
from deploycheck.checklist.items import ITEMS
from deploycheck.checklist.report import (
    FAILED,
    NEEDS_REVIEW,
    VERIFIED,
    build_report,
    status_of,
    write_report,
)
from deploycheck.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, main

IMAGE_EVIDENCE = {
    "image": "gradetracker-test:app-1234",
    "size": 268_000_000,
    "base": "python:3.11-slim-bookworm",
    "base_size": 125_000_000,
    "added_size": 143_000_000,
    "top_layers": [{"instruction": "RUN pip install -r requirements.txt", "size": 98_000_000}],
    "layers": [],
    "build_seconds": {"Dockerfile.render (cold cache)": 181.24},
    "run_seconds": {"start to healthy": 6.5},
    "wasted": [{"rule": "IMG004", "message": "pip cache: 3 files, 1.2 MB wasted"}],
}
MARKED_TESTS = '''
import pytest

@pytest.mark.checklist(3)
def test_cookie_is_secure():
    """The session cookie is Secure."""

@pytest.mark.checklist(6, 7)
def test_fails():
    assert False

@pytest.mark.checklist(8)
def test_skipped():
    pytest.skip("no Redis here")

@pytest.fixture
def broken():
    raise RuntimeError("setup broke")

@pytest.mark.checklist(9)
def test_errors(broken):
    pass

def test_unmarked():
    pass
'''


def record(
    nodeid: str, items: list[int], outcome: str, timestamp: str = "2025-01-01", suite: str = "unit"
) -> dict:
    """A result as the plugin writes it."""
    return {
        "items": items,
        "nodeid": nodeid,
        "summary": nodeid.rsplit("::", 1)[-1],
        "suite": suite,
        "outcome": outcome,
        "timestamp": timestamp,
    }


def write_results(report_dir: Path, name: str, records: list[dict]) -> None:
    directory = report_dir / "checklist"
    directory.mkdir(parents=True, exist_ok=True)
    payload = {"suite": "unit", "pid": 1, "written_at": "", "results": records}
    (directory / f"results-{name}.json").write_text(json.dumps(payload))


def test_plugin_records_each_marked_test_with_its_outcome(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORT_DIR", str(pytester.path / "out"))
    pytester.mkpydir("tests")
    pytester.makepyfile(**{"tests/unit/test_marked": MARKED_TESTS})
    pytester.runpytest_inprocess("-p", "no:cacheprovider")
    (results,) = (pytester.path / "out" / "checklist").glob("results-unit-*.json")
    recorded = {
        r["nodeid"].rsplit("::", 1)[-1]: r for r in json.loads(results.read_text())["results"]
    }
    assert {name: (r["items"], r["outcome"]) for name, r in recorded.items()} == {
        "test_cookie_is_secure": ([3], "passed"),
        "test_fails": ([6, 7], "failed"),
        "test_skipped": ([8], "skipped"),
        "test_errors": ([9], "error"),
    }
    assert recorded["test_cookie_is_secure"]["summary"] == "The session cookie is Secure."
    assert recorded["test_fails"]["summary"] == "fails"


def test_plugin_refuses_an_item_that_does_not_exist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("import pytest\n\n@pytest.mark.checklist(12)\ndef test_x():\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*checklist(12,)* must name items 1-11*"])


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        (["passed", "passed"], VERIFIED),
        (["passed", "failed"], FAILED),
        (["error"], FAILED),
        (["passed", "skipped"], NEEDS_REVIEW),
        (["skipped"], NEEDS_REVIEW),
        ([], NEEDS_REVIEW),
    ],
)
def test_item_status_follows_its_tests(outcomes: list[str], status: str) -> None:
    assert status_of(Outcome(outcome) for outcome in outcomes) == status


def test_report_keeps_the_latest_result_per_test(tmp_path: Path) -> None:
    write_results(tmp_path, "old", [record("t.py::test_a", [2], "failed", "2025-01-01T00:00")])
    write_results(tmp_path, "new", [record("t.py::test_a", [2], "passed", "2025-01-02T00:00")])
    report = build_report(tmp_path)
    assert [e.outcome for e in report.items[1].evidence] == [Outcome.PASSED]


def test_item_without_evidence_from_a_suite_it_needs_is_not_verified(tmp_path: Path) -> None:
    write_results(tmp_path, "unit", [record("t.py::test_rate_limit", [8], "passed")])
    report = build_report(tmp_path)
    assert (report.items[7].status, report.items[7].missing_suites) == (NEEDS_REVIEW, ["container"])
    assert "no passing evidence from the container suite" in report.markdown()


def test_report_shows_every_item_with_evidence_and_manual_steps(tmp_path: Path) -> None:
    records = [
        record(f"tests/{suite}/t.py::test_{item.number}", [item.number], "passed", suite=suite)
        for item in ITEMS
        for suite in item.suites
    ]
    write_results(tmp_path, "all", records)
    (tmp_path / "image.json").write_text(json.dumps(IMAGE_EVIDENCE))
    summary = tmp_path / "step-summary.md"
    report = build_report(tmp_path)
    write_report(report, tmp_path, summary)
    markdown = (tmp_path / "checklist.md").read_text()
    for item in ITEMS:
        assert f"## {item.number}. {item.title}: ✅ verified" in markdown
        assert f"`tests/{item.suites[0]}/t.py::test_{item.number}`" in markdown
        assert all(f"- [ ] {step}" in markdown for step in item.manual)
    assert "## Image: `gradetracker-test:app-1234`" in markdown
    assert "| added by the Dockerfile | 143.0 MB |" in markdown
    assert "| build Dockerfile.render (cold cache) | 181.2 s |" in markdown
    assert "- 98.0 MB: `RUN pip install -r requirements.txt`" in markdown
    assert "- pip cache: 3 files, 1.2 MB wasted" in markdown
    assert summary.read_text() == markdown
    written = json.loads((tmp_path / "checklist.json").read_text())
    assert (written["ok"], written["image"]["added_size"]) == (True, 143_000_000)


def test_report_without_image_evidence_says_the_container_suite_did_not_run(
    tmp_path: Path,
) -> None:
    write_results(tmp_path, "unit", [record("t.py::test_csrf", [7], "passed")])
    report = build_report(tmp_path)
    assert report.image is None
    assert "No image evidence: the container suite did not run." in report.markdown()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("checklist/results-x.json", '{"results": [{"items": "7"}]}', "'items' must be a list"),
        ("checklist/results-x.json", "not json", "not a checklist results file"),
        ("image.json", '{"image": "x"}', "not an image report"),
    ],
    ids=["bad-items", "not-json", "image-missing-keys"],
)
def test_damaged_evidence_is_one_error_naming_the_file(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    if not name.startswith("checklist/"):
        write_results(tmp_path, "ok", [record("t.py::test_csrf", [7], "passed")])
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(content)
    code, output = run_cli(tmp_path)
    assert code == EXIT_UNUSABLE, output
    assert str(tmp_path / name) in output
    assert expected in output


def run_cli(report_dir: Path, *options: str) -> tuple[int, str]:
    out = io.StringIO()
    args = ["report", "--report-dir", str(report_dir)]
    return main([*args, *options], stdout=out, stderr=out), out.getvalue()


def test_report_command_exits_1_naming_a_failed_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    write_results(tmp_path, "x", [record("t.py::test_csrf", [7], "failed")])
    code, output = run_cli(tmp_path)
    assert code == EXIT_FINDINGS, output
    assert "checklist item 7" in output
    assert "t.py::test_csrf" in output
    assert (tmp_path / "checklist.md").is_file()


def test_report_command_exits_0_when_nothing_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("CI", raising=False)
    write_results(tmp_path, "x", [record("t.py::test_csrf", [7], "passed")])
    code, output = run_cli(tmp_path)
    assert code == EXIT_OK, output
    assert "needs manual review" in output


@pytest.mark.parametrize(
    ("ci", "options"), [("true", ()), (None, ("--strict",))], ids=["ci-default", "flag"]
)
def test_strict_report_fails_an_item_that_needs_manual_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str | None, options: tuple[str, ...]
) -> None:
    """In CI an item left without evidence (a skipped or missing suite) must turn the run red."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    write_results(tmp_path, "x", [record("t.py::test_csrf", [7], "skipped")])
    code, output = run_cli(tmp_path, *options)
    assert code == EXIT_FINDINGS, output
    assert "CHK007" in output, output
    assert "needs manual review" in output


def test_no_strict_overrides_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("CI", "true")
    write_results(tmp_path, "x", [record("t.py::test_csrf", [7], "passed")])
    code, output = run_cli(tmp_path, "--no-strict")
    assert code == EXIT_OK, output


def test_report_command_without_results_is_unusable(tmp_path: Path) -> None:
    code, output = run_cli(tmp_path)
    assert code == EXIT_UNUSABLE
    assert "no checklist results" in output
    assert "Hint:" in output


def test_report_links_the_deploy_rehearsal_and_says_when_it_did_not_run(tmp_path: Path) -> None:
    write_results(tmp_path, "run", [record("t.py::test_a", [2], "passed", "2025-01-01T00:00")])
    without = build_report(tmp_path)
    assert "None: the deploy suite did not run." in without.markdown()

    scenario = {"name": "worker-crash", "verdict": "fail", "requests_total": 90}
    scenario |= {"requests_failed": 7, "writes_lost": 0}
    (tmp_path / "rehearsal.json").write_text(json.dumps({"scenarios": [scenario]}))
    text = build_report(tmp_path).markdown()

    assert "[rehearsal.md](rehearsal.md)" in text
    assert "| worker-crash | fail | 7/90 | 0 |" in text
