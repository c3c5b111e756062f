"""``deploycheck cost``: this repository's Blueprint priced, and a plan change against a git ref."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from deploycheck.cli import EXIT_OK, EXIT_UNUSABLE, main
from deploycheck.cost import estimate
from deploycheck.prices import load_prices
from deploycheck.targets.blueprint import Blueprint

ROOT = Path(__file__).resolve().parents[3]
GIT = ("git", "-c", "user.name=t", "-c", "user.email=t@example.invalid")


def deploycheck(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def test_the_price_table_names_its_source_and_date() -> None:
    prices = load_prices()
    assert prices["source"] == "https://render.com/pricing"
    assert prices["read"] == "2026-12-07"
    assert prices["compute"]["standard"] == 25


def test_this_repositorys_blueprint_is_priced() -> None:
    code, out, _ = deploycheck("cost", str(ROOT / "render.yaml"), "--format", "json")
    assert code == EXIT_OK
    priced = json.loads(out)
    by_name = {r["name"]: r for r in priced["resources"]}
    # web standard $25 x 1-3 instances; Key Value standard $32; basic-1gb $19 + 10 GB x $0.30.
    assert by_name["gradetracker"]["monthly"] == [25.0, 75.0]
    assert by_name["gradetracker-cache"]["monthly"] == [32.0, 32.0]
    assert by_name["gradetracker-db"]["monthly"] == pytest.approx([22.0, 22.0])
    assert priced["total"] == pytest.approx([79.0, 129.0])
    assert priced["unpriced"] == []


def test_a_plan_change_is_priced_against_a_git_ref(tmp_path: Path) -> None:
    blueprint = tmp_path / "render.yaml"
    blueprint.write_text((ROOT / "render.yaml").read_text())
    subprocess.run([*GIT, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "add", "render.yaml"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "commit", "-qm", "base"], cwd=tmp_path, check=True)
    text = blueprint.read_text()
    blueprint.write_text(text.replace("plan: standard\n    # All", "plan: pro\n    # All", 1))

    code, out, _ = deploycheck("cost", str(blueprint), "--base", "HEAD", "--format", "markdown")

    assert code == EXIT_OK
    assert "| gradetracker | plan standard -> pro | +$60.00 to +$180.00 |" in out
    assert "**+$60.00 to +$180.00 per month**" in out
    assert "gradetracker-cache" not in out.split("| resource | change |")[1]
    assert "Prices: <https://render.com/pricing>, read 2026-12-07" in out


def test_an_unknown_plan_is_named_not_guessed(tmp_path: Path) -> None:
    blueprint = tmp_path / "render.yaml"
    blueprint.write_text(
        "services:\n"
        "  - {type: web, name: api, runtime: docker, plan: 2c-4g}\n"
        "  - {type: worker, name: jobs, runtime: docker, plan: starter, numInstances: 2,\n"
        "     disk: {name: d, mountPath: /data, sizeGB: 10}}\n"
        "  - {type: cron, name: nightly, runtime: docker, schedule: '0 3 * * *'}\n"
        "  - {type: web, name: site, runtime: static}\n"
        "databases:\n  - {name: db, plan: starter}\n"
    )
    priced = estimate(Blueprint.load(blueprint), load_prices())
    lines = {line.name: line for line in priced.lines}
    assert lines["jobs"].low == 2 * 7 + 10 * 0.25
    assert lines["site"].low == 0
    assert [line.name for line in priced.unknown] == ["api", "nightly", "db"]
    assert "billed per minute" in lines["nightly"].note
    code, out, _ = deploycheck("cost", str(blueprint))
    assert code == EXIT_OK
    assert "leaves out 3 unpriced: api, nightly, db" in out


def test_a_price_table_override_and_bad_inputs(tmp_path: Path) -> None:
    (tmp_path / "prices.yaml").write_text("compute:\n  Standard: 30\n")
    code, out, _ = deploycheck(
        "cost", str(ROOT / "render.yaml"), "--prices", str(tmp_path / "prices.yaml")
    )
    assert code == EXIT_OK
    assert "$30.00-$90.00/month" in out
    code, _, err = deploycheck("cost", str(ROOT / "render.yaml"), "--base", "no-such-ref-x")
    assert code == EXIT_UNUSABLE
    assert "--base takes a git ref or a file" in err


def _project(tmp_path: Path, config: str) -> Path:
    """A project with this repository's Blueprint and ``config`` as its .deploycheck.yaml."""
    blueprint = tmp_path / "render.yaml"
    blueprint.write_text((ROOT / "render.yaml").read_text())
    (tmp_path / ".deploycheck.yaml").write_text(config)
    return blueprint


def test_the_config_overrides_the_shipped_prices_and_the_command_line_wins(
    tmp_path: Path,
) -> None:
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "prices.yaml").write_text(
        "read: '2027-01-01'\ncompute: {standard: 30}\nkeyvalue: {Standard: 40}\n"
    )
    blueprint = _project(tmp_path, "cost:\n  prices: ops/prices.yaml\n  keyvalue: {standard: 50}\n")

    code, out, err = deploycheck("cost", str(blueprint), "--format", "json")
    assert (code, err) == (EXIT_OK, "")
    by_name = {r["name"]: r for r in json.loads(out)["resources"]}
    # the config's file over the shipped table, the config's inline part over its file
    assert by_name["gradetracker"]["monthly"] == [30.0, 90.0]
    assert by_name["gradetracker-cache"]["monthly"] == [50.0, 50.0]
    assert json.loads(out)["read"] == "2027-01-01"

    (tmp_path / "cli.yaml").write_text("compute: {standard: 35}\nkeyvalue: {standard: 60}\n")
    code, out, _ = deploycheck(
        "cost", str(blueprint), "--format", "json", "--prices", str(tmp_path / "cli.yaml")
    )
    by_name = {r["name"]: r for r in json.loads(out)["resources"]}
    assert by_name["gradetracker"]["monthly"] == [35.0, 105.0]
    assert by_name["gradetracker-cache"]["monthly"] == [60.0, 60.0]

    code, out, _ = deploycheck("cost", str(blueprint), "--no-config", "--format", "json")
    assert {r["name"]: r for r in json.loads(out)["resources"]}["gradetracker"]["monthly"] == [
        25.0,
        75.0,
    ]


@pytest.mark.parametrize(
    ("config", "prices", "expected"),
    [
        ("cost:\n  prices: missing.yaml\n", None, "missing.yaml: no such file"),
        ("cost:\n  prices: p.yaml\n", "compute:\n  standard: [1\n", "p.yaml:3: invalid YAML"),
        ("cost:\n  prices: p.yaml\n", "compute:\n  standard: cheap\n", "p.yaml:2: compute: "),
        ("cost:\n  prices: p.yaml\n", "computer: {}\n", "p.yaml:1: unknown price key 'computer'"),
        ("rules: {}\ncost:\n  compute:\n    pro: -1\n", None, ".deploycheck.yaml:4: compute: pro"),
        ("cost:\n  prices: 3\n", None, ".deploycheck.yaml:2: cost: prices: wants a path"),
        ("cost: cheap\n", None, ".deploycheck.yaml:1: cost: must be a mapping"),
        ("cost:\n  compute: {}\n  price: x\n", None, ".deploycheck.yaml:3: unknown key 'price'"),
    ],
)
def test_a_bad_price_override_is_one_line_at_file_and_line(
    tmp_path: Path, config: str, prices: str | None, expected: str
) -> None:
    blueprint = _project(tmp_path, config)
    if prices is not None:
        (tmp_path / "p.yaml").write_text(prices)

    code, out, err = deploycheck("cost", str(blueprint))

    assert (code, out) == (EXIT_UNUSABLE, "")
    assert expected in err
    assert err.startswith("deploycheck: error: ")
    assert err.count("\n") == 1
