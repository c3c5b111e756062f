"""Run ``python -m MODULE ARGS`` many times, each a real process, without paying for Python's
imports of Flask, SQLAlchemy and the rest every time.

``python -m tests.preloaded`` imports the app's third-party libraries once, then reads one JSON
case per line on stdin (``{"key", "module", "args", "env"}``) and forks a child per case, at
most ``--jobs`` at a time. The child clears its environment to the case's, points fds 1 and 2
at files of its own, runs the module as ``__main__`` the way ``python -m`` does and exits with
the status the interpreter would give (a traceback and 1 for an uncaught exception). Each
answer is a JSON line ``{"key", "returncode", "stdout", "stderr"}``.

What a fresh interpreter would do differently is kept out of the preload: ``gunicorn`` reads
``WEB_CONCURRENCY`` while importing its settings, and the app reads its settings when imported,
so neither is imported here. A library that printed anything while preloading would hide that
output from every case, so the server refuses to start then.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import io
import json
import os
import runpy
import signal
import sys
import tempfile
import traceback
from pathlib import Path

# Imported once in the server; none reads the app's settings from the environment at import.
PRELOAD = (
    "flask",
    "flask_migrate",
    "flask_sqlalchemy",
    "sqlalchemy",
    "alembic",
    "flask_wtf",
    "flask_talisman",
    "flask_cors",
    "flask_session",
    "flask_caching",
    "limits",
    "redis",
    "psycopg",
    "cryptography.fernet",
    "cryptography.hazmat.primitives.kdf.hkdf",
    "sentry_sdk",
    "zxcvbn",
    "wtforms",
)
NOT_PRELOADED = ("gunicorn", "app")
TIMEOUT_SECONDS = 120


def preload() -> None:
    """Import :data:`PRELOAD`; anything printed meanwhile is an error (see the module doc)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        for name in PRELOAD:
            importlib.import_module(name)
    loaded = [n for n in NOT_PRELOADED if n in sys.modules]
    if out.getvalue() or err.getvalue() or loaded:
        sys.exit(f"preload printed {out.getvalue() + err.getvalue()!r}, imported {loaded}")


def _exit_status(exit_code: object) -> int:
    """The status ``sys.exit(exit_code)`` gives a process (printing a non-int, as Python does)."""
    if exit_code is None:
        return 0
    if isinstance(exit_code, int):
        return exit_code & 0xFF
    print(exit_code, file=sys.stderr)
    return 1


def run_child(case: dict, stdout_path: str, stderr_path: str) -> None:
    """In the forked child: become ``python -m module args`` in the case's environment."""
    for fd, path in ((1, stdout_path), (2, stderr_path)):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - the process's own stdout
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - the process's own stderr
    # The server's exit handlers (its temporary folder's removal) are not the case's.
    atexit._clear()
    os.environ.clear()
    os.environ.update(case["env"])
    sys.argv = [case["module"], *case["args"]]
    # A hung case dies of SIGALRM (the alarm outlives an exec, as into gunicorn).
    signal.alarm(TIMEOUT_SECONDS)
    status = 0
    try:
        runpy.run_module(case["module"], run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        status = _exit_status(exc.code)
    except BaseException:  # noqa: BLE001 - the interpreter's own behaviour: traceback, exit 1
        traceback.print_exc()
        status = 1
    with contextlib.suppress(BaseException):
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(status)


def serve(jobs: int) -> None:
    running: dict[int, tuple[str, str, str]] = {}
    out = sys.stdout

    def answer_one() -> None:
        pid, status = os.waitpid(-1, 0)
        key, stdout_path, stderr_path = running.pop(pid)
        answer = {
            "key": key,
            "returncode": os.waitstatus_to_exitcode(status),
            "stdout": Path(stdout_path).read_text(errors="replace"),
            "stderr": Path(stderr_path).read_text(errors="replace"),
        }
        out.write(json.dumps(answer) + "\n")
        out.flush()

    with tempfile.TemporaryDirectory(prefix="preloaded-") as workdir:
        for number, line in enumerate(sys.stdin.read().splitlines()):
            case = json.loads(line)
            while len(running) >= jobs:
                answer_one()
            paths = (f"{workdir}/{number}.out", f"{workdir}/{number}.err")
            pid = os.fork()
            if pid == 0:
                run_child(case, *paths)
            running[pid] = (case["key"], *paths)
        while running:
            answer_one()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.preloaded")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    jobs = parser.parse_args().jobs
    preload()
    serve(jobs)


if __name__ == "__main__":
    main()
