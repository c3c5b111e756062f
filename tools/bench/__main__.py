"""``python -m tools.bench [--quick] [--report-dir DIR]`` and ``python -m tools.bench check``."""

from __future__ import annotations

import argparse
import os
import sys
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
    args = parser.parse_args(argv)
    if args.command == "check":
        return check.main(str(args.report_dir / "capacity.json"))
    from tools.bench.run import Settings, run

    try:
        data = run(Settings.for_mode(args.quick), args.report_dir)
    except (WrkError, InstanceError, HarnessError) as exc:
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


if __name__ == "__main__":
    sys.exit(main())
