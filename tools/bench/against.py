"""``scripts/bench --against REF``: the cached reads' ratio to a static file for this working
tree's image and for git ``REF``'s, side by side in one run.

``REF`` is exported (``git archive``) into a temporary folder and built from its own
``Dockerfile.render``; the working tree is built as the full run builds it. Both images run at
once under the seed's 0.5 CPU / 1 GB, against one PostgreSQL and Redis with the same seeded
data and credentials. The rounds alternate (this tree, REF, REF, this tree, ...), so a busy
moment of the shared host weighs on both; each round is the static file, the cached summary and
the cached report at saturation, and each side is judged on the median of its rounds' ratios.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.bench import analysis, instance, scenarios
from tools.bench.run import (
    READ_TARGETS,
    REPO_ROOT,
    SEED_LIMITS,
    SIZES,
    Settings,
    log,
    log_quietly,
    prepared,
    read_round,
    started,
)
from tools.bench.scenarios import Credentials

TREE = "working tree"


class AgainstError(RuntimeError):
    """REF names no commit, or it could not be exported."""


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise AgainstError(f"git {' '.join(args)}: {done.stderr.strip() or done.returncode}")
    return done.stdout.strip()


def commit_of(ref: str) -> str:
    """The short commit ``ref`` names; AgainstError when it names none."""
    return _git("rev-parse", "--verify", "--short", f"{ref}^{{commit}}")


@contextmanager
def exported(commit: str) -> Iterator[Path]:
    """The tree of ``commit`` in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-against-") as folder:
        archive = Path(folder) / "tree.tar"
        _git("archive", "--format=tar", f"--output={archive}", commit)
        with tarfile.open(archive) as tar:
            tar.extractall(Path(folder) / "tree", filter="data")
        yield Path(folder) / "tree"


def round_orders(rounds: int, sides: Sequence[str]) -> list[list[str]]:
    """The order the sides run in, round by round: as given, then reversed, and so on (ABBA),
    so neither side always goes first after the other warmed the host."""
    return [list(sides) if number % 2 == 0 else list(reversed(sides)) for number in range(rounds)]


def compare(rounds: Mapping[str, Sequence[Mapping[str, float]]]) -> dict[str, Any]:
    """Each side's rounds with their ratios to the static file and the medians."""
    return {side: analysis.read_ratios(found, READ_TARGETS[0]) for side, found in rounds.items()}


def table(compared: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """A Markdown table: per side, each cached read's median ratio and its rounds' range."""
    reads = READ_TARGETS[1:]
    header = ["image", *[f"{name} x static (median)" for name in reads], "rounds' range"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for side, block in compared.items():
        medians = [f"{block['median_ratio'][name]:.2f}x" for name in reads]
        spans = [
            f"{min(values):.2f}-{max(values):.2f}x" if values else "-"
            for values in (block["ratios"][name] for name in reads)
        ]
        lines.append(f"| {labels[side]} | " + " | ".join(medians) + f" | {' / '.join(spans)} |")
    return "\n".join(lines) + "\n"


def run(settings: Settings, report_dir: Path, ref: str) -> dict[str, Any]:
    """Both images, one world, interleaved rounds; the report's data."""
    log_quietly()
    commit = commit_of(ref)
    labels = {TREE: f"this working tree (on {commit_of('HEAD')})", ref: f"{ref} ({commit})"}
    with ExitStack() as stack:
        source = stack.enter_context(exported(commit))
        sources = {"bench": REPO_ROOT, f"bench-{commit}": source}
        world, images = stack.enter_context(prepared(report_dir, sources))
        worlds = {TREE: world, ref: replace(world, image=images[f"bench-{commit}"].ref)}
        containers = {}
        for side, its_world in worlds.items():
            log(f"starting {labels[side]} ({SEED_LIMITS.cpus} CPU, {SEED_LIMITS.memory_mb} MB)")
            containers[side], _ = stack.enter_context(started(its_world, SEED_LIMITS))
        token = instance.create_token(world.app_env, world.image)
        auth = Credentials(token, instance.session_cookie(containers[TREE].base_url, token))
        endpoints = scenarios.endpoints(world.courses[SIZES[0]], world.grade_id, auth)
        rounds: dict[str, list[dict[str, float]]] = {side: [] for side in worlds}
        for number, order in enumerate(round_orders(settings.rounds, list(worlds)), 1):
            for side in order:
                log(f"round {number} of {settings.rounds}: {labels[side]}")
                rounds[side].append(read_round(containers[side], endpoints, settings))
    compared = compare(rounds)
    return {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if settings.quick else "full",
        "seconds_per_load_run": settings.seconds,
        "connections": settings.connections,
        "limits": {"cpus": SEED_LIMITS.cpus, "memory_mb": SEED_LIMITS.memory_mb},
        "against": {"ref": ref, "commit": commit},
        "labels": labels,
        "sides": compared,
        "table": table(compared, labels),
    }
