"""The checklist machinery: a project declares its items in its deploycheck config, the pytest
plugin records marked tests, the report merges the results into one verdict per item and
embeds the files the config attaches, and ``deploycheck report`` fails on a failed item. The
recorder comes from deploycheck's pytest plugin (the ``pytest11`` entry point), so the nested
runs here load it without any conftest."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from deploycheck.checklist.evidence import Outcome
from deploycheck.checklist.items import Checklist
from deploycheck.checklist.report import (
    FAILED,
    NEEDS_REVIEW,
    VERIFIED,
    build_report,
    status_of,
    write_report,
)
from deploycheck.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, main
from deploycheck.config import load_config

# A project of two items, nothing of this repository's: the report must show what it declares.
CONFIG = """\
checklist:
  title: Launch checklist
  items:
    - number: 1
      title: Backups are restorable
      automated: a restore of last night's dump answers queries
      manual: [Someone has restored a backup by hand this quarter]
      suites: [unit, container]
    - number: 2
      title: Admin pages need a login
      automated: every admin route answers 401 without a session
      suites: [unit]
  attach:
    - {file: build.md, title: Build, missing: the build suite did not run}
"""
ATTACHED = """\
# Build report: `example-app:1.0`

| measure | value |
| --- | --- |
| total size | 80.0 MB |

```sh
# a comment in a code block is not a heading
```
"""
MARKED_TESTS = '''
import pytest

@pytest.mark.checklist(1)
def test_restore_answers():
    """A restored dump answers queries."""

@pytest.mark.checklist(1, 2)
def test_fails():
    assert False

@pytest.mark.checklist(2)
def test_skipped():
    pytest.skip("no database here")

@pytest.fixture
def broken():
    raise RuntimeError("setup broke")

@pytest.mark.checklist(2)
def test_errors(broken):
    pass

def test_unmarked():
    pass
'''


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A project config declaring two checklist items and one attachment."""
    path = tmp_path / "project" / ".deploycheck.yaml"
    path.parent.mkdir()
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def checklist(config_file: Path) -> Checklist:
    """The checklist ``config_file`` declares, as the config loader reads it."""
    loaded = load_config(config_file).checklist
    assert loaded is not None
    return loaded


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    """An empty report directory."""
    path = tmp_path / "reports"
    path.mkdir()
    return path


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


def test_the_config_declares_the_items_in_order(checklist: Checklist) -> None:
    assert checklist.title == "Launch checklist"
    assert [(item.number, item.suites) for item in checklist.items] == [
        (1, ("unit", "container")),
        (2, ("unit",)),
    ]
    assert checklist.items[0].manual == ("Someone has restored a backup by hand this quarter",)
    assert [(a.file, a.missing) for a in checklist.attach] == [
        ("build.md", "the build suite did not run")
    ]


def test_plugin_records_each_marked_test_with_its_outcome(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORT_DIR", str(pytester.path / "out"))
    monkeypatch.delenv("DEPLOYCHECK_CONFIG", raising=False)
    (pytester.path / ".deploycheck.yaml").write_text(CONFIG, encoding="utf-8")
    pytester.mkpydir("tests")
    pytester.makepyfile(**{"tests/unit/test_marked": MARKED_TESTS})
    pytester.runpytest_inprocess("-p", "no:cacheprovider")
    (results,) = (pytester.path / "out" / "checklist").glob("results-unit-*.json")
    recorded = {
        r["nodeid"].rsplit("::", 1)[-1]: r for r in json.loads(results.read_text())["results"]
    }
    assert {name: (r["items"], r["outcome"]) for name, r in recorded.items()} == {
        "test_restore_answers": ([1], "passed"),
        "test_fails": ([1, 2], "failed"),
        "test_skipped": ([2], "skipped"),
        "test_errors": ([2], "error"),
    }
    assert recorded["test_restore_answers"]["summary"] == "A restored dump answers queries."
    assert recorded["test_fails"]["summary"] == "fails"


@pytest.mark.parametrize(
    ("config", "item", "error"),
    [
        pytest.param(
            CONFIG, 12, "*checklist(12,)* must name declared items (1, 2)*", id="undeclared-item"
        ),
        pytest.param(
            "rules: {}\n", 1, "*.deploycheck.yaml: declares no checklist*Hint*", id="no-checklist"
        ),
    ],
)
def test_plugin_refuses_a_marker_the_config_does_not_declare(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, config: str, item: int, error: str
) -> None:
    monkeypatch.delenv("DEPLOYCHECK_CONFIG", raising=False)
    (pytester.path / ".deploycheck.yaml").write_text(config, encoding="utf-8")
    pytester.makepyfile(
        f"import pytest\n\n@pytest.mark.checklist({item})\ndef test_x():\n    pass\n"
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([error])


def test_plugin_reads_no_config_when_no_test_is_marked(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project that uses only the fixtures needs no checklist, even with a broken config."""
    monkeypatch.delenv("DEPLOYCHECK_CONFIG", raising=False)
    (pytester.path / ".deploycheck.yaml").write_text("checklist: 3\n", encoding="utf-8")
    pytester.makepyfile("def test_x():\n    pass\n")
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


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


def test_report_keeps_the_latest_result_per_test(report_dir: Path, checklist: Checklist) -> None:
    write_results(report_dir, "old", [record("t.py::test_a", [2], "failed", "2025-01-01T00:00")])
    write_results(report_dir, "new", [record("t.py::test_a", [2], "passed", "2025-01-02T00:00")])
    report = build_report(report_dir, checklist)
    assert [e.outcome for e in report.items[1].evidence] == [Outcome.PASSED]
    assert report.items[1].status == VERIFIED


def test_item_without_evidence_from_a_suite_it_needs_is_not_verified(
    report_dir: Path, checklist: Checklist
) -> None:
    write_results(report_dir, "unit", [record("t.py::test_restore", [1], "passed")])
    report = build_report(report_dir, checklist)
    assert (report.items[0].status, report.items[0].missing_suites) == (
        NEEDS_REVIEW,
        ["container"],
    )
    assert "no passing evidence from the container suite" in report.markdown()


def test_item_without_any_evidence_needs_manual_review(
    report_dir: Path, checklist: Checklist
) -> None:
    write_results(report_dir, "unit", [record("t.py::test_restore", [1], "passed")])
    markdown = build_report(report_dir, checklist).markdown()
    assert "| 2 | Admin pages need a login | ⚠️ needs manual review | 0/0 |" in markdown
    assert "## 2. Admin pages need a login: ⚠️ needs manual review" in markdown
    assert "No test backing this item ran." in markdown


def test_item_with_a_failed_test_is_failed(report_dir: Path, checklist: Checklist) -> None:
    records = [record("t.py::test_admin", [2], "passed"), record("t.py::test_x", [2], "failed")]
    write_results(report_dir, "unit", records)
    report = build_report(report_dir, checklist)
    assert report.items[1].status == FAILED
    (finding,) = [f for f in report.result().findings if f.path == "checklist item 2"]
    assert (finding.rule_id, finding.message) == (
        "CHK001",
        "Admin pages need a login: failed: t.py::test_x",
    )


def test_report_shows_the_declared_items_with_evidence_and_the_attachment(
    report_dir: Path, checklist: Checklist
) -> None:
    records = [
        record(f"tests/{suite}/t.py::test_{item.number}", [item.number], "passed", suite=suite)
        for item in checklist.items
        for suite in item.suites
    ]
    write_results(report_dir, "all", records)
    (report_dir / "build.md").write_text(ATTACHED, encoding="utf-8")
    summary = report_dir / "step-summary.md"
    write_report(build_report(report_dir, checklist), report_dir, summary)
    markdown = (report_dir / "checklist.md").read_text()
    assert markdown.startswith("# Launch checklist report\n")
    for item in checklist.items:
        assert f"## {item.number}. {item.title}: ✅ verified" in markdown
        assert f"Automated: {item.automated}" in markdown
        assert f"`tests/{item.suites[0]}/t.py::test_{item.number}`" in markdown
    assert "- [ ] Someone has restored a backup by hand this quarter" in markdown
    # The attached file as written, its headings one level under the report's.
    assert "\n## Build report: `example-app:1.0`\n" in markdown
    assert "| total size | 80.0 MB |" in markdown
    assert "\n# a comment in a code block is not a heading\n" in markdown
    assert summary.read_text() == markdown
    written = json.loads((report_dir / "checklist.json").read_text())
    assert written["ok"] is True
    assert [item["number"] for item in written["items"]] == [1, 2]
    assert written["attached"] == [{"file": "build.md", "title": "Build", "present": True}]


def test_a_missing_attachment_says_which_suite_did_not_run(
    report_dir: Path, checklist: Checklist
) -> None:
    write_results(report_dir, "unit", [record("t.py::test_admin", [2], "passed")])
    markdown = build_report(report_dir, checklist).markdown()
    assert "## Build\n\nNot attached (`build.md`): the build suite did not run." in markdown


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("checklist/results-x.json", b'{"results": [{"items": "7"}]}', "'items' must be a list"),
        ("checklist/results-x.json", b"not json", "not a checklist results file"),
        ("build.md", b"\xff\xfe", "cannot attach it to the checklist report"),
    ],
    ids=["bad-items", "not-json", "attachment-not-utf8"],
)
def test_damaged_evidence_is_one_error_naming_the_file(
    report_dir: Path, config_file: Path, name: str, content: bytes, expected: str
) -> None:
    if not name.startswith("checklist/"):
        write_results(report_dir, "ok", [record("t.py::test_admin", [2], "passed")])
    (report_dir / name).parent.mkdir(parents=True, exist_ok=True)
    (report_dir / name).write_bytes(content)
    code, output = run_cli(report_dir, config_file)
    assert code == EXIT_UNUSABLE, output
    assert str(report_dir / name) in output
    assert expected in output


def run_cli(report_dir: Path, config: Path, *options: str) -> tuple[int, str]:
    out = io.StringIO()
    args = ["report", "--report-dir", str(report_dir), "--config", str(config)]
    return main([*args, *options], stdout=out, stderr=out), out.getvalue()


@pytest.fixture
def no_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GitHub job summary to append to, whatever the host sets."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.mark.usefixtures("no_summary")
def test_report_command_exits_1_naming_a_failed_item(report_dir: Path, config_file: Path) -> None:
    write_results(report_dir, "x", [record("t.py::test_admin", [2], "failed")])
    code, output = run_cli(report_dir, config_file)
    assert code == EXIT_FINDINGS, output
    assert "checklist item 2" in output
    assert "t.py::test_admin" in output
    assert "CHK001" in output
    assert (report_dir / "checklist.md").is_file()


@pytest.mark.usefixtures("no_summary")
def test_report_command_exits_0_when_nothing_failed(
    report_dir: Path, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    write_results(report_dir, "x", [record("t.py::test_admin", [2], "passed")])
    code, output = run_cli(report_dir, config_file)
    assert code == EXIT_OK, output
    assert "checklist item 1: needs manual review (Backups are restorable)" in output
    assert "checklist item 2: verified (Admin pages need a login)" in output


@pytest.mark.usefixtures("no_summary")
def test_report_command_finds_the_config_from_the_working_folder(
    report_dir: Path, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEPLOYCHECK_CONFIG", raising=False)
    monkeypatch.chdir(config_file.parent)
    write_results(report_dir, "x", [record("t.py::test_admin", [2], "passed")])
    out = io.StringIO()
    code = main(["report", "--report-dir", str(report_dir), "--no-strict"], stdout=out, stderr=out)
    assert code == EXIT_OK, out.getvalue()
    assert "(Admin pages need a login)" in out.getvalue()


@pytest.mark.usefixtures("no_summary")
@pytest.mark.parametrize(
    ("ci", "options"), [("true", ()), (None, ("--strict",))], ids=["ci-default", "flag"]
)
def test_strict_report_fails_an_item_that_needs_manual_review(
    report_dir: Path,
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    ci: str | None,
    options: tuple[str, ...],
) -> None:
    """In CI an item left without evidence (a skipped or missing suite) must turn the run red."""
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    write_results(report_dir, "x", [record("t.py::test_admin", [2], "skipped")])
    code, output = run_cli(report_dir, config_file, *options)
    assert code == EXIT_FINDINGS, output
    assert "CHK001" in output, output
    assert "needs manual review" in output


@pytest.mark.usefixtures("no_summary")
def test_no_strict_overrides_ci(
    report_dir: Path, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    write_results(report_dir, "x", [record("t.py::test_admin", [2], "passed")])
    code, output = run_cli(report_dir, config_file, "--no-strict")
    assert code == EXIT_OK, output


def test_report_command_without_results_is_unusable(report_dir: Path, config_file: Path) -> None:
    code, output = run_cli(report_dir, config_file)
    assert code == EXIT_UNUSABLE
    assert "no checklist results" in output
    assert "Hint:" in output


def test_report_command_without_a_checklist_in_the_config_is_unusable(
    report_dir: Path, tmp_path: Path
) -> None:
    config = tmp_path / "bare.yaml"
    config.write_text("rules: {}\n", encoding="utf-8")
    write_results(report_dir, "x", [record("t.py::test_admin", [2], "passed")])
    code, output = run_cli(report_dir, config)
    assert code == EXIT_UNUSABLE, output
    assert f"{config}: declares no checklist" in output
    assert output.count("\n") == 1, output
