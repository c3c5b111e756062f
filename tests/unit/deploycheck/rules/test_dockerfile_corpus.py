"""The construct corpus: one small Dockerfile per construct people write, with its verdict.

Each fixture in tests/fixtures/dockerfiles/constructs states what a careful reviewer would
say in an ``# expect:`` comment: ``clean``, ``RULE@LINE[:level]`` places (exactly those, for
the generic rules), or ``exit2 TEXT`` (the checker cannot go on and says TEXT, with the line).
``# expect-project:`` lists what this project's own policy adds on top (its health path);
``# expect-cli:`` what the command line says when it differs (it refuses non-UTF-8 files).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, main
from deploycheck.config import load_config
from deploycheck.errors import ConfigFileError
from deploycheck.registry import StaticSettings
from deploycheck.rules.dockerfile import check
from deploycheck.targets.dockerfile import Dockerfile
from tests.expect_comments import expectations, places

REPO = Path(__file__).resolve().parents[4]
CORPUS = REPO / "tests" / "fixtures" / "dockerfiles" / "constructs"
# Left out of the generic verdicts: the base family and the syntax directive are this
# project's policy (config), and a start period and an EXPOSE have fixtures of their own, so
# the construct fixtures stay small.
POLICY_RULES = {"DF002", "DF006", "DF008", "DF009"}

# No config: rules as they hold for any project (HEALTHCHECK NONE is a choice).
GENERIC = StaticSettings()
PROJECT = load_config(REPO / ".deploycheck.yaml")


FIXTURES = sorted(CORPUS.glob("*.Dockerfile"))


def test_every_fixture_states_a_verdict() -> None:
    assert len(FIXTURES) >= 35
    missing = [p.name for p in FIXTURES if "generic" not in expectations(p)]
    assert missing == []


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_generic_verdict(path: Path) -> None:
    expected = expectations(path)["generic"]
    if expected.startswith("exit2 "):
        with pytest.raises(ConfigFileError) as raised:
            check(Dockerfile(path), GENERIC)
        assert f"{path.name}{expected.removeprefix('exit2 ')}" in str(raised.value)
        return
    found = {
        (f.rule_id, f.line, str(f.level))
        for f in check(Dockerfile(path), GENERIC)
        if f.rule_id not in POLICY_RULES
    }
    assert found == places(expected), "\n".join(map(str, check(Dockerfile(path))))


@pytest.mark.parametrize(
    "path", [p for p in FIXTURES if "project" in expectations(p)], ids=lambda p: p.stem
)
def test_project_policy_adds(path: Path) -> None:
    found = {(f.rule_id, f.line, str(f.level)) for f in check(Dockerfile(path), PROJECT)}
    assert places(expectations(path)["project"]) <= found


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_cli_exits_0_1_or_2_with_one_line_on_error(
    path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["dockerfile", str(path), "--root", str(tmp_path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    expected = expectations(path)
    verdict = expected.get("cli", expected["generic"])
    if verdict.startswith("exit2 "):
        assert (code, out) == (EXIT_UNUSABLE, "")
        assert len(err.strip().splitlines()) == 1, err
        assert path.name in err
        assert verdict.removeprefix("exit2 ").split(": ")[-1] in err, err
    else:
        assert code in (EXIT_OK, EXIT_FINDINGS), err
        assert err == ""
