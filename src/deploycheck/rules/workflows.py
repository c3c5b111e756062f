"""Rules over GitHub workflows: pinned actions, least privilege, concurrency, and the same
tox envs as ``.ci/run``.

None of them fails a build by itself, so none is an error by default: unpinned actions and
write grants are warnings (supply-chain and token risks GitHub's hardening guide names), a
missing ``concurrency`` is advice, and the tox-env rule (WF004) is this repository's convention,
opt-in.

The env rule reads the chain instead of trusting a list: ``.ci/run`` calls ``scripts/test``,
which calls ``tox run`` (every env of tox.ini's ``env_list`` unless it passes ``-e``); the
workflow must run each of those envs, through a matrix of ``tox run -e`` jobs or by calling
``scripts/test`` itself.
"""

from __future__ import annotations

import configparser
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from deploycheck.findings import Level, Problem
from deploycheck.registry import rule
from deploycheck.targets.yamlfile import YamlDocument

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
READ_ONLY = {"read", "none"}
# The one write a job may hold: code scanning alerts, for the job that uploads them.
SARIF_SCOPE = "security-events"
SARIF_UPLOAD = "github/codeql-action/upload-sarif@"
TEST_COMMAND = "scripts/test"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
MATRIX_REF = re.compile(r"^\$\{\{matrix\.(\w+)\}\}$")


def tox_envs(tox_ini: Path) -> list[str]:
    """``env_list`` of tox.ini, in order."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(tox_ini, encoding="utf-8")
    return [env for env in re.split(r"[\s,]+", parser.get("tox", "env_list")) if env]


def _commands(script: str) -> Iterator[list[str]]:
    """Each non-comment shell line of ``script`` split into words (continuations joined;
    ``${{ expr }}`` kept as one word)."""
    script = EXPRESSION.sub(lambda m: "${{" + m.group(1).replace(" ", "") + "}}", script)
    for line in script.replace("\\\n", " ").splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            try:
                yield shlex.split(line)
            except ValueError:
                continue


def tox_runs(script: str) -> Iterator[list[str] | None]:
    """For each ``tox run`` in ``script``: the envs its ``-e`` selects, None for all."""
    for words in _commands(script):
        for index, word in enumerate(words[:-1]):
            if Path(word).name == "tox" and words[index + 1] == "run":
                yield tox_selection(words[index + 2 :])


def tox_selection(words: list[str]) -> list[str] | None:
    """The envs ``-e a,b`` (or ``-ea,b``) selects among tox's arguments, None for all."""
    for flag, value in zip(words, [*words[1:], ""], strict=True):
        if flag == "-e":
            return [env for env in value.split(",") if env]
        if flag.startswith("-e") and len(flag) > 2:
            return flag[2:].split(",")
    return None


def script_envs(script: str, env_list: list[str]) -> list[str]:
    """The tox envs a shell script runs."""
    envs: list[str] = []
    for selected in tox_runs(script):
        envs += env_list if selected is None else selected
    return envs


def calls(script: str, program: str) -> bool:
    """Whether some command line of ``script`` runs ``program`` (as its first word)."""
    return any(words and words[0] == program for words in _commands(script))


def _top(doc: YamlDocument) -> dict[str, Any]:
    return doc.data if isinstance(doc.data, dict) else {}


def _jobs(doc: YamlDocument) -> Iterator[tuple[str, dict[str, Any]]]:
    # Jobs or steps of the wrong shape are the schema check's finding (SCH003); skipping them
    # here keeps these rules from crashing on the same broken file.
    jobs = _top(doc).get("jobs")
    for job_id, job in jobs.items() if isinstance(jobs, dict) else ():
        if isinstance(job, dict):
            yield job_id, job


def _steps(doc: YamlDocument) -> Iterator[tuple[tuple[Any, ...], dict[str, Any], dict]]:
    for job_id, job in _jobs(doc):
        steps = job.get("steps")
        for index, step in enumerate(steps if isinstance(steps, list) else ()):
            if isinstance(step, dict):
                yield ("jobs", job_id, "steps", index), job, step


def workflow_envs(doc: YamlDocument, env_list: list[str], test_command: str) -> set[str]:
    """Every tox env some job of the workflow runs."""
    envs: set[str] = set()
    for _, job, step in _steps(doc):
        run = str(step.get("run") or "")
        if calls(run, TEST_COMMAND):
            envs |= set(script_envs(test_command, env_list))
        strategy = job.get("strategy")
        matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
        matrix = matrix if isinstance(matrix, dict) else {}
        for env in script_envs(run, env_list):
            ref = MATRIX_REF.match(env)
            envs |= set(matrix.get(ref.group(1), [])) if ref else {env}
    return envs


@rule("WF001", target="workflow", level=Level.WARNING)
def actions_pinned_by_sha(doc: YamlDocument) -> Iterator[Problem]:
    """Every ``uses:`` names an action by a full 40-hex commit SHA (tags can be moved).

    Passes: ``uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2``
    Fails:  ``uses: actions/checkout@v4``
    """
    for path, _, step in _steps(doc):
        uses = step.get("uses")
        if uses and not str(uses).startswith(("./", "docker://")) and not PINNED.match(uses):
            yield doc.problem((*path, "uses"), f"{uses} is not pinned to a commit SHA")


@rule("WF002", target="workflow", level=Level.WARNING)
def least_privilege(doc: YamlDocument) -> Iterator[Problem]:
    """The workflow sets ``permissions`` at the top, and nothing in it grants ``write``.

    The one exception is ``security-events: write`` on a job whose steps upload SARIF
    (``github/codeql-action/upload-sarif``): code scanning needs it there, and only there.

    Passes: ``permissions: {contents: read}``; a job with ``security-events: write`` whose
    steps use ``github/codeql-action/upload-sarif``
    Fails:  no ``permissions`` (the repository default may be write-all), ``contents: write``,
    ``security-events: write`` at the top or on a job that uploads nothing
    """
    top = _top(doc)
    if "permissions" not in top:
        yield doc.problem((), "no top-level permissions: the token gets the default")
    scopes = [(("permissions",), top.get("permissions"), False)]
    for job_id, job in _jobs(doc):
        uploads = _uploads(job, Path(doc.path))
        scopes.append((("jobs", job_id, "permissions"), job.get("permissions"), uploads))
    for path, granted, uploads_sarif in scopes:
        values = granted.items() if isinstance(granted, dict) else [("all", granted)]
        for scope, level in values:
            if level is None or level in READ_ONLY or level == "read-all":
                continue
            if uploads_sarif and (scope, level) == (SARIF_SCOPE, "write"):
                continue
            yield doc.problem(path, f"grants {scope}: {level}; read is enough")


def _uploads(job: dict[str, Any], workflow: Path) -> bool:
    """Whether a step of ``job`` uploads SARIF to code scanning, itself or through an action
    of this repository (``uses: ./``) whose action.yml uploads it."""
    steps = job.get("steps")
    for step in steps if isinstance(steps, list) else ():
        uses = str(step.get("uses", "")) if isinstance(step, dict) else ""
        if uses.startswith(SARIF_UPLOAD) or (
            uses.startswith("./") and SARIF_UPLOAD in _local_action(workflow, uses)
        ):
            return True
    return False


def _local_action(workflow: Path, uses: str) -> str:
    """The text of the action.yml a ``uses: ./path`` names, relative to the repository that
    holds ``workflow`` (.github/workflows/NAME.yml); empty when there is none."""
    root = workflow.resolve().parents[2] if len(workflow.resolve().parents) > 2 else Path()
    for name in ("action.yml", "action.yaml"):
        candidate = root / uses / name
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8", errors="replace")
    return ""


@rule("WF003", target="workflow", level=Level.INFO)
def concurrency_cancels(doc: YamlDocument) -> Iterator[Problem]:
    """A top-level ``concurrency`` group cancels superseded runs.

    Passes: ``concurrency: {group: ci-${{ github.ref }}, cancel-in-progress: true}``
    Fails:  no ``concurrency`` (every push to a pull request runs the full suite again)
    """
    concurrency = _top(doc).get("concurrency")
    if not isinstance(concurrency, dict) or concurrency.get("cancel-in-progress") is not True:
        yield doc.problem(("concurrency",), "set a group with cancel-in-progress: true")


@rule("WF004", target="workflow-in-repo", enabled=False)
def missing_envs(doc: YamlDocument, repo: Path) -> list[Problem]:
    """The workflow runs every tox env ``.ci/run`` runs (through scripts/test).

    Opt-in: it reads one repository's layout (``.ci/run``, ``scripts/test``, tox.ini).

    Passes: a matrix of ``tox run -e ${{ matrix.env }}`` over ``[lint, unit, config, container]``
    Fails:  the same matrix without ``container`` while tox.ini's env_list has it
    """
    env_list = tox_envs(repo / "tox.ini")
    test_command = (repo / TEST_COMMAND).read_text(encoding="utf-8")
    ci_run = (repo / ".ci" / "run").read_text(encoding="utf-8")
    ci_envs = script_envs(test_command, env_list) if calls(ci_run, TEST_COMMAND) else []
    missing = sorted(set(ci_envs) - workflow_envs(doc, env_list, test_command))
    if not missing:
        return []
    return [doc.problem(("jobs",), f"runs no job for tox envs {', '.join(missing)}")]
