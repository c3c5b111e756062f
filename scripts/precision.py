#!/usr/bin/env python3
"""Measure deploycheck on public files (issue 21): precision of its error-level findings.

    python scripts/precision.py checkout DIR       # git clone every corpus repository at its commit
    python scripts/precision.py run DIR            # print docs/precision.md from DIR and the labels
    python scripts/precision.py run DIR --write    # ... and write it
    python scripts/precision.py run DIR --draft F  # also write the unlabelled findings to F
    python scripts/precision.py run DIR --save R   # also keep the raw findings in R (JSON) ...
    python scripts/precision.py report R --write   # ... to redo the page after relabelling

DIR holds one checkout per repository, named OWNER+NAME. Every entry of docs/precision/corpus.yaml
is checked with no config (a Dockerfile inside its build context), and each error-level finding is
joined with the verdict docs/precision/labels.yaml gives it: a label matches a finding of the same
repository, checked file and rule whose message contains the label's ``subject``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent.parent
MANIFEST = HERE / "docs" / "precision" / "corpus.yaml"
LABELS = HERE / "docs" / "precision" / "labels.yaml"
PAGE = HERE / "docs" / "precision.md"
KINDS = {"dockerfile": "Dockerfiles", "blueprint": "Blueprints"}
GOAL_OVERALL, GOAL_RULE = 0.95, 0.90


@dataclass
class Result:
    """One checked file: its entry, its error-level findings, how it ended and how long it took."""

    entry: dict
    findings: list[dict] = field(default_factory=list)
    exit_code: int = 0
    problem: str = ""
    seconds: float = 0.0


def checkout_name(repo: str) -> str:
    return repo.replace("/", "+", 1)


def command(entry: dict, deploycheck: str) -> list[str]:
    """The command a new user would type: no config, JSON out, the build context as --root."""
    args = [deploycheck, entry["kind"], entry["path"], "--no-config", "--format", "json"]
    if entry["kind"] == "dockerfile":
        args += ["--root", entry.get("context", ".")]
    return args


def check(entry: dict, checkouts: Path, deploycheck: str) -> Result:
    result = Result(entry)
    where = checkouts / checkout_name(entry["repo"])
    if not (where / entry["path"]).is_file():
        result.problem = f"{entry['path']} is not in {where} (run the checkout command)"
        return result
    started = time.monotonic()
    proc = subprocess.run(command(entry, deploycheck), cwd=where, capture_output=True, text=True)
    result.seconds = time.monotonic() - started
    result.exit_code = proc.returncode
    if proc.returncode not in (0, 1):
        result.problem = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["?"]
        result.problem = f"exit {proc.returncode}: {result.problem[0]}"
        return result
    report = json.loads(proc.stdout)
    result.findings = [f for f in report["findings"] if f["level"] == "error"]
    return result


def match(label: dict, entry: dict, finding: dict) -> bool:
    return (
        label["repo"] == entry["repo"]
        and label["path"] == entry["path"]
        and label["rule"] == finding["rule"]
        and label["subject"] in finding["message"]
    )


def join(results: list[Result], labels: list[dict]):
    """Each finding with its label (or None); and the labels no finding matched."""
    by_file = defaultdict(list)
    for label in labels:
        by_file[(label["repo"], label["path"])].append(label)
    joined, used = [], set()
    for result in results:
        candidates = by_file[(result.entry["repo"], result.entry["path"])]
        for finding in result.findings:
            label = next((lb for lb in candidates if match(lb, result.entry, finding)), None)
            if label is not None:
                used.add(id(label))
            joined.append((result.entry, finding, label))
    return joined, [lb for lb in labels if id(lb) not in used]


def percent(true: int, false: int) -> str:
    return f"{100 * true / (true + false):.1f}%" if true + false else "n/a"


def table(counts: dict[str, Counter], first: str) -> list[str]:
    header = f"| {first} | findings | true | false | unlabelled | precision |"
    lines = [header, "| --- |" + " ---: |" * 5]
    for name in sorted(counts, key=lambda n: (n == "all", n)):
        c = counts[name]
        total = c["true"] + c["false"] + c["unlabelled"]
        mark = (
            ""
            if c["true"] + c["false"] == 0 or name == "all"
            else ("" if c["true"] / (c["true"] + c["false"]) > GOAL_RULE else " (below 90%)")
        )
        lines.append(
            f"| {name} | {total} | {c['true']} | {c['false']} | {c['unlabelled']} | "
            f"{percent(c['true'], c['false'])}{mark} |"
        )
    return lines


def page(results: list[Result], joined, stale: list[dict], revision: str) -> str:
    by_kind: dict[str, dict[str, Counter]] = {k: defaultdict(Counter) for k in KINDS}
    for entry, finding, label in joined:
        verdict = "unlabelled" if label is None else ("true" if label["verdict"] else "false")
        for name in (finding["rule"], "all"):
            by_kind[entry["kind"]][name][verdict] += 1
    overall = Counter()
    for counts in by_kind.values():
        overall.update(counts["all"])
    files = Counter(r.entry["kind"] for r in results)
    slowest = max(results, key=lambda r: r.seconds)
    out = [
        "# Precision on public files",
        "",
        "<!-- Generated by `python scripts/precision.py run DIR --write`; do not edit. -->",
        "",
        f"Measured {datetime.date.today().isoformat()} with deploycheck at `{revision}`, "
        "with no config, over the corpus in [precision/corpus.yaml](precision/corpus.yaml): "
        f"{files['dockerfile']} Dockerfiles (each in its build context) and "
        f"{files['blueprint']} Blueprints from public repositories at pinned commits. "
        "Every error-level finding has a verdict in "
        "[precision/labels.yaml](precision/labels.yaml): "
        "true when Docker or Render would fail the build or deploy, or a security reviewer would "
        "call it a defect of that project; false otherwise, with the reason.",
        "",
        f"**Overall: {percent(overall['true'], overall['false'])} of "
        f"{overall['true'] + overall['false']} labelled error findings are true** "
        f"(goal: at least {GOAL_OVERALL:.0%}, and every rule above {GOAL_RULE:.0%}); "
        f"{overall['unlabelled']} unlabelled. Slowest file: {slowest.seconds:.1f} s wall clock "
        f"({slowest.entry['repo']} {slowest.entry['path']}, on a shared machine).",
    ]
    for kind, title in KINDS.items():
        out += ["", f"## {title}", "", *table(by_kind[kind], "rule")]
    problems = [r for r in results if r.problem]
    out += ["", "## Files that could not be checked", ""]
    out += [f"- {r.entry['repo']} `{r.entry['path']}`: {r.problem}" for r in problems] or ["None."]
    unlabelled = [(e, f) for e, f, lb in joined if lb is None]
    out += ["", "## Unlabelled findings", ""]
    out += [f"- {e['repo']} `{e['path']}` {f['rule']}: {f['message']}" for e, f in unlabelled] or [
        "None."
    ]
    missed = [lb for lb in stale if lb["verdict"]]
    out += ["", "## True problems no longer reported as errors", ""]
    out += [
        "Labelled true but not an error-level finding now: a rule may still report them at a "
        "lower level (its docstring in docs/rules.md says why), or not at all.",
        "",
    ]
    out += [f"- {lb['repo']} `{lb['path']}` {lb['rule']}: {lb['reason']}" for lb in missed] or [
        "None: every finding labelled true is still reported."
    ]
    out += [
        "",
        "## Reproduce",
        "",
        "```sh",
        "python scripts/precision.py checkout ../precision-corpus   # git clone + checkout, once",
        "python scripts/precision.py run ../precision-corpus --write",
        "```",
        "",
        "`checkout` clones each repository from GitHub into `DIR/OWNER+NAME` and checks out the "
        "pinned commit; `run` runs `deploycheck dockerfile PATH --root CONTEXT --no-config` or "
        "`deploycheck blueprint PATH --no-config` in each checkout (`--deploycheck` picks the "
        "executable) and writes this page. `--draft FILE` writes the unlabelled findings as label "
        "stubs to fill in and add to the labels file.",
        "",
    ]
    return "\n".join(out)


def draft(joined) -> str:
    lines = []
    for entry, finding, label in joined:
        if label is None:
            stub = {
                "repo": entry["repo"],
                "path": entry["path"],
                "rule": finding["rule"],
                "subject": finding["message"],
                "verdict": None,
                "reason": "",
            }
            lines.append("- " + yaml.safe_dump(stub, default_flow_style=True, width=10**6).strip())
    return "\n".join(lines) + "\n"


def load(path: Path, key: str) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))[key] or []


def run(args: argparse.Namespace) -> int:
    # Each check runs inside its checkout, so a relative path would name nothing there.
    found = shutil.which(args.deploycheck)
    if found is None:
        print(f"precision: {args.deploycheck}: no such executable", file=sys.stderr)
        return 2
    deploycheck = str(Path(found).resolve())
    entries = load(MANIFEST, "entries")
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda e: check(e, args.dir, deploycheck), entries))
    revision = (
        subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=HERE, capture_output=True, text=True
        ).stdout.strip()
        or "unknown"
    )
    if args.save:
        saved = {"revision": revision, "results": [asdict(r) for r in results]}
        args.save.write_text(json.dumps(saved, indent=1), encoding="utf-8")
    return publish(results, revision, args)


def report(args: argparse.Namespace) -> int:
    saved = json.loads(args.results.read_text(encoding="utf-8"))
    return publish([Result(**r) for r in saved["results"]], saved["revision"], args)


def publish(results: list[Result], revision: str, args: argparse.Namespace) -> int:
    joined, stale = join(results, load(LABELS, "labels"))
    text = page(results, joined, stale, revision)
    if args.write:
        PAGE.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.draft:
        args.draft.write_text(draft(joined), encoding="utf-8")
    return 0


def checkout(args: argparse.Namespace) -> int:
    args.dir.mkdir(parents=True, exist_ok=True)
    for repo, commit in sorted({(e["repo"], e["commit"]) for e in load(MANIFEST, "entries")}):
        where = args.dir / checkout_name(repo)
        if not where.exists():
            subprocess.run(["git", "clone", "-q", f"https://github.com/{repo}", where], check=True)
        subprocess.run(["git", "-C", where, "checkout", "-q", commit], check=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    get = sub.add_parser("checkout", help="clone every corpus repository at its pinned commit")
    get.add_argument("dir", type=Path)
    get.set_defaults(func=checkout)
    measure = sub.add_parser("run", help="check every entry and print the precision page")
    measure.add_argument("dir", type=Path, help="the checkouts, one OWNER+NAME folder each")
    measure.add_argument("--deploycheck", default="deploycheck", help="the executable to run")
    measure.add_argument("--jobs", type=int, default=2, help="files checked at once")
    measure.add_argument("--save", type=Path, help="keep the raw findings in this JSON file")
    measure.set_defaults(func=run)
    again = sub.add_parser("report", help="redo the page from findings kept with run --save")
    again.add_argument("results", type=Path)
    again.set_defaults(func=report)
    for command in (measure, again):
        command.add_argument("--write", action="store_true", help=f"write {PAGE.name}")
        command.add_argument("--draft", type=Path, help="write unlabelled findings as stubs here")
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
