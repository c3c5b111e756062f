"""The numbers render.yaml's comments state hold: the web plan's CPU and memory are Render's
(``deploycheck.targets.plans``), and the workers and threads are what the service runs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from deploycheck.targets.plans import plan_limits

ROOT = Path(__file__).resolve().parents[2]
PLAN_COMMENT = re.compile(
    r"# (\w+) = (\d+(?:\.\d+)?) CPU / (\d+) GB per instance.*?"
    r"(\d+) gthread workers x (\d+)\s+#?\s*threads",
    re.DOTALL,
)


def web_service() -> dict:
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    return next(s for s in blueprint["services"] if s["type"] == "web")


def gunicorn_threads() -> int:
    """``threads = N`` in gunicorn.conf.py."""
    tree = ast.parse((ROOT / "gunicorn.conf.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "threads":
            return int(ast.literal_eval(node.value))
    raise AssertionError("gunicorn.conf.py sets no threads")


def test_the_web_plan_comment_states_rendered_facts() -> None:
    text = (ROOT / "render.yaml").read_text()
    match = PLAN_COMMENT.search(text)
    assert match, "render.yaml: expected '# <plan> = <n> CPU / <n> GB per instance ... workers'"
    plan, cpus, gigabytes, workers, threads = match.groups()
    web = web_service()
    assert plan == web["plan"], (
        f"the comment describes plan {plan!r}, the service has {web['plan']}"
    )
    limits = plan_limits(plan)
    assert (float(cpus), int(gigabytes) * 1024) == (limits.cpus, limits.memory_mb)
    env = {var["key"]: var.get("value") for var in web["envVars"]}
    assert int(workers) == int(env["WEB_CONCURRENCY"])
    assert int(threads) == gunicorn_threads()
