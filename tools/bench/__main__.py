"""``python -m tools.bench [--quick] [--report-dir DIR] [--against REF]`` and
``python -m tools.bench check``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import docker.errors
import requests

from deploycheck.errors import HarnessError
from tools.bench import check, report
from tools.bench.instance import InstanceError
from tools.bench.wrk import WrkError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("command", nargs="?", choices=["run", "check"], default="run")
    parser.add_argument("--quick", action="store_true", help="short runs, for CI (minutes)")
    parser.add_argument(
        "--report-dir", type=Path, default=Path(os.environ.get("REPORT_DIR", "reports"))
    )
    parser.add_argument(
        "--against",
        metavar="REF",
        help="only the cached reads' ratio to a static file, for this working tree's image and "
        "git REF's side by side in one run (writes bench-against.json)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help="rounds of the static file and the cached reads (default: 5, 3 with --quick)",
    )
    args = parser.parse_args(argv)
    if args.command == "check":
        return check.main(str(args.report_dir / "capacity.json"))
    from tools.bench import against
    from tools.bench.run import Settings, run

    settings = Settings.for_mode(args.quick)
    if args.rounds:
        settings = replace(settings, rounds=args.rounds)
    try:
        if args.against:
            return _compare(against.run(settings, args.report_dir, args.against), args.report_dir)
        data = run(settings, args.report_dir)
    except (WrkError, InstanceError, HarnessError, against.AgainstError) as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 2
    except (docker.errors.DockerException, requests.RequestException) as exc:
        # A Docker call timing out on a saturated host is not a benchmark result.
        print(f"bench: error: Docker did not answer in time ({exc}); retry on a quieter host")
        return 2
    for path in report.write(data, args.report_dir):
        print(f"bench: wrote {path}")
    for row in data["targets"]:
        verdict = "met" if row["met"] else "NOT met"
        print(f"bench: {row['what']}: {row['measured']} {row['unit']} ({row['target']}): {verdict}")
    return 0


def _compare(data: dict, report_dir: Path) -> int:
    report_dir.mkdir(parents=True, exist_ok=True)
    written = report_dir / "bench-against.json"
    written.write_text(json.dumps(data, indent=2) + "\n")
    print(f"bench: wrote {written}")
    print(data["table"], end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
