"""The benchmark's own logic (tools/bench): report check, scale-out arithmetic, config verdict,
wrk script. The benchmark itself runs in CI as ``scripts/bench --quick``; these prove its
pieces can say no."""

from __future__ import annotations

from typing import Any

import pytest

from tools.bench import analysis, check, wrk


def _config(name: str, rate: float, p99: float) -> dict[str, Any]:
    return {
        "name": name,
        "gunicorn_args": f"--{name}",
        "saturation": {"rate": rate},
        "fixed_rate": {"p99_ms": p99},
    }


def _report() -> dict[str, Any]:
    return {
        "endpoints": {"seed": [{"name": "static file", "saturation": {"rate": 100.0}}]},
        "configs": {"seed": {"results": [_config("a", 1.0, 1.0)], "recommendation": {}}},
        "scale_out": {
            "seed": {
                "rate_at_cpu_target": 10.0,
                "ceiling_rate": 30.0,
                "peak_memory_mb": 200.0,
                "plan_price_month": 25,
                "cost_per_100_rps_month": 250.0,
            }
        },
    }


def test_complete_report_passes_the_check() -> None:
    assert check.problems(_report()) == []


@pytest.mark.parametrize("section", check.REQUIRED)
def test_report_missing_a_section_is_rejected(section: str) -> None:
    data = _report()
    del data[section]
    assert check.problems(data) == [f"missing section {section!r}"]


def test_report_with_an_unmeasured_figure_is_rejected() -> None:
    data = _report()
    data["endpoints"]["seed"][0]["saturation"]["rate"] = 0.0
    data["scale_out"]["seed"]["ceiling_rate"] = float("nan")
    assert check.problems(data) == [
        "endpoints.seed: 'static file' has no saturation rate",
        "report.scale_out.seed.ceiling_rate is nan",
    ]


def test_scale_out_finds_the_rate_at_the_cpu_target() -> None:
    # 0.001 cores per req/s from zero: 80% of 0.5 CPU (0.4 cores) is reached at 400 req/s.
    scale = analysis.scale_out(
        [(100.0, 0.1), (200.0, 0.2), (300.0, 0.3)],
        saturation_rate=500.0,
        saturation_cpus=0.5,
        peak_memory_mb=256.0,
        cpus=0.5,
        memory_mb=1024,
        target_cpu_percent=80,
        target_memory_percent=70,
        max_instances=3,
    )
    assert (scale["rate_at_cpu_target"], scale["ceiling_rate"]) == (400.0, 1500.0)
    assert (scale["memory_target_mb"], scale["memory_triggers_scaling"]) == (717, False)


def test_priced_plan_without_its_cost_per_load_is_rejected() -> None:
    data = _report()
    data["scale_out"]["seed"]["cost_per_100_rps_month"] = None
    assert check.problems(data) == ["scale_out.seed: cost_per_100_rps_month is not a number"]


def test_cost_per_100_rps_is_the_price_over_the_rate_at_the_cpu_target() -> None:
    # $25 a month for an instance that carries 200 req/s before scaling: $12.50 per 100 req/s.
    assert analysis.cost_per_100_rps(25, 200.0) == 12.5
    assert analysis.cost_per_100_rps(None, 200.0) is None
    assert analysis.cost_per_100_rps(25, 0.0) is None


def test_fit_needs_two_rates() -> None:
    with pytest.raises(ValueError, match="two different rates"):
        analysis.fit_line([(5.0, 0.1), (5.0, 0.2)])


def test_recommendation_keeps_the_current_config_within_the_margin() -> None:
    configs = [_config("seed", 100.0, 50.0), _config("other", 105.0, 40.0)]
    verdict = analysis.recommend(configs, "seed")
    assert (verdict["recommended"], verdict["change"]) == ("seed", False)


def test_recommendation_changes_only_with_a_clear_win_and_no_worse_tail() -> None:
    faster = [_config("seed", 100.0, 50.0), _config("other", 150.0, 40.0)]
    assert analysis.recommend(faster, "seed")["recommended"] == "other"
    slower_tail = [_config("seed", 100.0, 50.0), _config("other", 150.0, 90.0)]
    assert analysis.recommend(slower_tail, "seed")["recommended"] == "seed"
    # The fastest has a worse tail; the next one is still a clear win with a better tail.
    mixed = [*slower_tail, _config("third", 140.0, 30.0)]
    assert analysis.recommend(mixed, "seed")["recommended"] == "third"


def test_wrk_script_carries_headers_paths_and_pacing() -> None:
    load = wrk.Load(["/a", "/b"], method="PATCH", body='{"x": 1}', headers={"X-T": "v"})
    text = wrk.script(load, pause_ms=20)
    assert '{"/a", "/b"}' in text
    assert '["X-T"] = "v"' in text
    assert 'local method, body = "PATCH", "{\\"x\\": 1}"' in text
    assert "local pause = 20" in text


def test_targets_are_judged_on_the_medians_of_repeated_samples() -> None:
    from tools.bench.run import targets

    profile = {
        "read_ratios": {
            "median_ratio": {"course summary, cached": 0.81, "student report, cached": 0.79}
        },
        "cost_growth": {
            "gradebook page (summary cached)": {"300": 80.0},
            "gradebook page (summary rebuilt)": {"300": 151.0},
        },
        "startup_seconds": 2.9,
    }
    verdicts = {t["what"]: t["met"] for t in targets(profile)}
    assert verdicts == {
        "course summary, cached vs static file (median of rounds)": True,
        "student report, cached vs static file (median of rounds)": False,
        "gradebook page (summary cached), 300 x 20, one request": True,
        "gradebook page (summary rebuilt), 300 x 20, one request": False,
        "container start to first answer (median of starts)": True,
    }


def _round(static: float, summary: float, report: float) -> dict[str, float]:
    return {
        "static file": static,
        "course summary, cached": summary,
        "student report, cached": report,
    }


def test_read_ratios_are_per_round_and_judged_on_their_median() -> None:
    rounds = [_round(100, 80, 90), _round(200, 100, 200), _round(50, 45, 40)]
    found = analysis.read_ratios(rounds, "static file")
    assert found["ratios"] == {
        "course summary, cached": [0.8, 0.5, 0.9],
        "student report, cached": [0.9, 1.0, 0.8],
    }
    assert found["median_ratio"] == {"course summary, cached": 0.8, "student report, cached": 0.9}


def test_a_round_without_a_static_rate_is_left_out_and_none_at_all_misses() -> None:
    assert analysis.read_ratios([_round(0, 80, 90)], "static file")["median_ratio"] == {
        "course summary, cached": 0.0,
        "student report, cached": 0.0,
    }


def test_against_alternates_which_side_goes_first() -> None:
    from tools.bench.against import round_orders

    assert round_orders(4, ["tree", "main~5"]) == [
        ["tree", "main~5"],
        ["main~5", "tree"],
        ["tree", "main~5"],
        ["main~5", "tree"],
    ]


def test_against_table_has_both_sides_medians_and_ranges() -> None:
    from tools.bench.against import compare, table

    compared = compare(
        {
            "tree": [_round(100, 80, 90), _round(100, 70, 85)],
            "main~5": [_round(100, 60, 70), _round(100, 90, 95)],
        }
    )
    text = table(compared, {"tree": "this tree", "main~5": "main~5 (abc1234)"})
    assert text.splitlines()[2:] == [
        "| this tree | 0.75x | 0.88x | 0.70-0.80x / 0.85-0.90x |",
        "| main~5 (abc1234) | 0.75x | 0.82x | 0.60-0.90x / 0.70-0.95x |",
    ]


def test_against_names_a_ref_that_is_no_commit() -> None:
    from tools.bench.against import AgainstError, commit_of

    with pytest.raises(AgainstError, match="no-such-ref"):
        commit_of("no-such-ref")
