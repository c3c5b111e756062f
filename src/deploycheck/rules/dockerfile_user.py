"""DF004: the final image does not serve the network as root (facts in
:mod:`deploycheck.targets.runtime_user`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from deploycheck.findings import FROM_CONFIG, Level, Problem
from deploycheck.registry import rule
from deploycheck.targets.dockerfile import Dockerfile
from deploycheck.targets.runtime_user import Base, base_user, privilege_drop, serves_network
from deploycheck.targets.stage_graph import is_export_stage


def _runtime_line(df: Dockerfile) -> int | None:
    """The line of the final stage's own first CMD or ENTRYPOINT, None when it inherits one."""
    starts = df.instructions_named("CMD", "ENTRYPOINT", stage=df.final_stage.index)
    return starts[0].line if starts else None


def _configured(df: Dockerfile, user: str, line: int, found: str) -> Problem:
    return Problem(
        df.display_path, line, f"{found}: expected `USER {user}` {FROM_CONFIG}", level=Level.ERROR
    )


@rule("DF004", target="dockerfile", options={"user": str})
def non_root_user(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final image does not run a network server as root.

    An error when it is a fact that a server runs as root: the last USER is root, or there is
    none and the base is a known root image (the official language and distribution images,
    ``scratch``, or any base the Dockerfile installs packages on before a USER), and the image
    serves the network (an EXPOSE in its stages, ``ENV PORT``, a server or ``--port``/``--bind``
    in its command). A root process reachable from the network is the defect any security
    reviewer agrees on; a root one-shot command-line tool (no EXPOSE, ``ENTRYPOINT ["gitleaks"]``)
    is a warning, as it runs with the rights its user gives the container.
    Not reported: a non-root USER (set in the stage or one it builds on), an export stage, a
    base whose own USER is not root (distroless ``:nonroot``, Chainguard). Info: the command
    drops root itself (gosu, su-exec, setpriv, runuser, ``su -c``, ``sudo -u``, chpst, s6's
    ``/init``, in the ENTRYPOINT/CMD or the entrypoint script copied from the build context,
    directly or via a builder stage; a supervisord config giving each program a non-root
    ``user=``);
    a master-as-root server (official nginx, httpd, ``php:*-apache``, ``php:*-fpm``: workers run
    as nginx, daemon or www-data; also when started by forego's Procfile); an official server
    image whose entrypoint drops root (postgres, redis, ghost...), unless the Dockerfile
    replaces that ENTRYPOINT (``ENTRYPOINT []``).
    A warning: a base whose user cannot be known offline (``redash/redash``).
    Pass: ``USER 10001:10001`` then ``CMD ["gunicorn", ...]``, or ``FROM base`` where stage
    ``base`` sets ``USER app``
    Fail: ``FROM python:3.12-slim`` with ``EXPOSE 8000`` and no USER, or ``USER root``
    Option ``user``: the USER the project requires (say ``10001:10001``); with it, any other
    user (none, root or another) is an error, whatever the base or command.
    """
    wanted = options["user"]
    if is_export_stage(df):
        return
    users = df.inherited("USER")
    last = users[-1] if users else None
    name = last.value.strip().partition(":")[0] if last else None
    runtime = _runtime_line(df)
    where = last.line if last else runtime or df.final_stage.line
    if last is not None and name not in {"root", "0"}:
        if wanted and name != str(wanted).partition(":")[0]:
            yield _configured(df, wanted, last.line, f"USER {last.value.strip()}")
        elif runtime is not None and last.line > runtime:
            yield Problem(
                df.display_path,
                last.line,
                f"USER on line {last.line} comes after CMD/ENTRYPOINT on line {runtime}: "
                "expected it before, where readers look for the runtime user",
                level=Level.INFO,
            )
        return
    found = f"USER {last.value.strip()} runs the app as root" if last else "no USER"
    if wanted:
        yield _configured(df, wanted, where, found)
        return
    yield from _judged(df, where, found, explicit=last is not None)


def _judged(df: Dockerfile, line: int, found: str, *, explicit: bool) -> Iterator[Problem]:
    def problem(message: str, level: Level) -> Problem:
        return Problem(df.display_path, line, message, level=level)

    drop = privilege_drop(df)
    if drop is not None:
        yield problem(f"{found}, but the image drops root before the app runs ({drop})", Level.INFO)
        return
    base = df.root().base
    kind = base_user(df)
    if explicit and kind in (Base.NONROOT, Base.UNKNOWN):
        kind = Base.ROOT
    if kind is Base.NONROOT:
        return
    if kind is Base.WORKERS:
        yield problem(
            f"{found}: it runs a server whose master alone stays root, its workers unprivileged "
            "by design (nginx, Apache httpd, PHP-FPM)",
            Level.INFO,
        )
        return
    if kind is Base.DROPPING_ENTRYPOINT:
        yield problem(f"{found}: the base {base!r}'s entrypoint drops root", Level.INFO)
        return
    if kind is Base.UNKNOWN:
        yield problem(
            f"{found}, and the base image {base or df.root().base_as_written!r} has a USER "
            "deploycheck cannot know offline: expected a non-root USER, unless that base "
            "sets one",
            Level.WARNING,
        )
        return
    serving = serves_network(df)
    subject = "" if explicit else f" on the root base {base or df.root().base_as_written!r}"
    if serving is None:
        yield problem(
            f"{found}{subject}, so the command runs as root; nothing says it serves the network "
            "(no EXPOSE, PORT or server command): expected a non-root USER",
            Level.WARNING,
        )
        return
    yield problem(
        f"{found}{subject}, so a network server ({serving}) runs as root: expected a non-root "
        "USER before CMD",
        Level.ERROR,
    )
