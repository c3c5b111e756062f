"""The rule registry: every id documented once, ``deploycheck rules``, and docs/rules.md."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deploycheck import catalogue
from deploycheck.cli import EXIT_OK, main
from deploycheck.registry import REGISTRY, load_all

ROOT = Path(__file__).resolve().parents[3]
RULES_DOC = ROOT / "docs" / "rules.md"
FAMILIES = (
    *("YML", "SCH", "RB", "XF", "DF", "DI", "HL", "RQ", "WF", "IMG", "PRB", "SEC", "CHK", "SUP"),
)


def test_docs_rules_md_is_generated_from_the_registry() -> None:
    assert RULES_DOC.read_text(encoding="utf-8") == catalogue.render("markdown"), (
        "docs/rules.md is stale: run `deploycheck rules --format markdown > docs/rules.md`"
    )


def test_every_family_is_registered() -> None:
    assert {info.family for info in load_all()} == set(FAMILIES)


@pytest.mark.parametrize("info", list(load_all()), ids=lambda info: info.id)
def test_every_rule_has_a_summary_and_a_passing_and_failing_example(info: object) -> None:
    doc = info.doc.lower()
    assert info.summary, info.id
    assert re.search(r"\bpass(es)?:", doc), f"{info.id}: its docstring has no passing example"
    assert re.search(r"\bfails?:", doc), f"{info.id}: its docstring has no failing example"


def test_rules_command_lists_every_rule_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == EXIT_OK
    listed = json.loads(capsys.readouterr().out)
    assert [entry["id"] for entry in listed] == [
        info.id for info in sorted(REGISTRY, key=lambda i: (FAMILIES.index(i.family), i.id))
    ]
    df002 = next(entry for entry in listed if entry["id"] == "DF002")
    assert (df002["level"], df002["options"]) == ("error", {"base": None})
    assert (df002["enabled"], df002["presets"]) == (True, [])
    assert df002["anchor"] == "docs/rules.md#df002"
    xf002 = next(entry for entry in listed if entry["id"] == "XF002")
    assert (xf002["enabled"], xf002["presets"]) == (False, ["strict"])
    assert all({"id", "level", "summary", "anchor"} <= set(entry) for entry in listed)


def test_every_anchor_is_a_heading_of_the_generated_docs() -> None:
    """The links reporters print (``docs/rules.md#df004``) land on the rule's own section."""
    headings = [
        line.removeprefix("### ")
        for line in RULES_DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("### ")
    ]
    assert sorted(f"docs/rules.md#{heading.lower()}" for heading in headings) == sorted(
        info.anchor for info in load_all()
    )


def test_declare_is_the_one_way_into_the_registry() -> None:
    """Ids with a body (``rule``) or without (``declare``) are recorded by ``declare`` alone,
    so each one has a level, opt-in or not, presets, a doc and an anchor."""
    package = ROOT / "src" / "deploycheck"
    bypasses = [
        f"{path.relative_to(package)}:{number}"
        for path in package.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\b(REGISTRY\.add|RuleInfo)\(", line) and path.name != "registry.py"
    ]
    assert bypasses == []
    source = (package / "registry.py").read_text(encoding="utf-8")
    assert source.count("REGISTRY.add(") == source.count("info = RuleInfo(") == 1


def test_rules_command_text_is_one_line_a_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(list(REGISTRY))
    assert lines[0].split()[:2] == ["YML001", "error"]
    assert any(line.split()[:3] == ["XF002", "error", "(opt-in)"] for line in lines)


def test_rule_bodies_no_longer_name_their_own_id() -> None:
    """The registry stamps ids; a body that spells its id again could drift from it."""
    spelled = []
    for module in (ROOT / "src" / "deploycheck" / "rules").glob("*.py"):
        for number, line in enumerate(module.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(
                r"""(problem|Problem|finding|Finding)\(\s*["'][A-Z]{2,3}\d{3}["']""", line
            ):
                spelled.append(f"{module.name}:{number}")
    assert not spelled, spelled


def test_the_checkers_need_none_of_the_testing_extras() -> None:
    """``pip install deploycheck`` without ``[testing]``: no pytest, no testcontainers."""
    script = (
        "import sys\n"
        "sys.modules.update(pytest=None, testcontainers=None, _pytest=None)\n"
        "from deploycheck import blueprint_check, config, dockerfile_check, registry\n"
        "print(len(list(registry.load_all())))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(list(REGISTRY))
