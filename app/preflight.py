"""Check every setting, then become the real command: ``python -m app.preflight CMD [ARGS...]``.

The image's ENTRYPOINT. gunicorn reads ``WEB_CONCURRENCY`` itself while importing its own
config, before ``gunicorn.conf.py`` runs, so ``WEB_CONCURRENCY=abc`` would end in gunicorn's
traceback. Checking here first gives one line naming the variable and exit 1; on success
``os.execvp`` replaces this process, so gunicorn stays PID 1 and gets Render's SIGTERM.
Only the app's own programs are checked: any other command (a debugging shell, ``id -u``) runs
as is, the convention of the official images' entrypoints. Stdlib-only, like ``app.config``.
"""

from __future__ import annotations

import os
import sys

from .config import (
    PRODUCTION,
    ConfigError,
    finalize,
    from_env,
    gunicorn_preload,
    listen_port,
    worker_count,
)

# The commands that read the settings: the server, and the CLI (`flask db upgrade` pre-deploy).
APP_PROGRAMS = frozenset({"gunicorn", "flask"})


# Flask's instance folder for the ``app`` package: beside it (/app/instance in the image).
INSTANCE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "instance")


def problems() -> str | None:
    """The one-line reason the environment cannot start the app, or None."""
    try:
        listen_port()
        worker_count()
        gunicorn_preload()
        config = from_env(instance_path=INSTANCE_DIR)
        finalize(config)
    except ConfigError as error:
        return str(error)
    return instance_problem(config["APP_ENV"])


def instance_problem(app_env: str) -> str | None:
    """Outside production the app creates its instance folder (the SQLite database's home) at
    start; in the image the code directory is read-only for appuser, which would end in a
    PermissionError traceback from every worker."""
    folder = INSTANCE_DIR
    if app_env == PRODUCTION:
        return None
    # SQLite writes there too, so an existing folder must be writable as well.
    if os.access(folder if os.path.isdir(folder) else os.path.dirname(folder), os.W_OK):
        return None
    return (
        f"APP_ENV={app_env} needs a writable {folder} (this user cannot create it); "
        "this image runs APP_ENV=production, or mount a writable folder there"
    )


def main(argv: list[str] | None = None) -> int:
    """Return 1 with a one-line reason on stderr, 2 without a command, 127 for a command that
    cannot run; else exec the command (``os.execvp`` does not return)."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m app.preflight COMMAND [ARGS...]", file=sys.stderr)
        return 2
    reason = problems() if os.path.basename(args[0]) in APP_PROGRAMS else None
    if reason is not None:
        print(f"gradetracker: {reason}", file=sys.stderr)
        return 1
    try:
        os.execvp(args[0], args)
    except OSError as error:
        # Not on PATH, or not executable: say which, as a shell would (127: command not found).
        print(f"gradetracker: cannot run {args[0]}: {error.strerror}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main())
