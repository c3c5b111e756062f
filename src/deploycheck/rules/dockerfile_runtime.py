"""Dockerfile rules for what the final image runs (DF005-DF008): its HEALTHCHECK and start
period, its CMD/ENTRYPOINT in exec form, the port it EXPOSEs.

Only the target stage runs, so these follow it through the stages it builds on and ignore
builder and export stages. A HEALTHCHECK, its start period and an EXPOSE are conventions, not
defects (Render probes the service itself and never runs Docker's HEALTHCHECK): opt-in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from deploycheck.findings import FROM_CONFIG, Level, Problem
from deploycheck.registry import rule
from deploycheck.targets.dockerfile import Dockerfile, command_of
from deploycheck.targets.image_ref import ImageRef
from deploycheck.targets.stage_graph import is_export_stage


@rule("DF005", target="dockerfile", options={"path": str}, enabled=False)
def healthcheck_probes_path(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final image has a HEALTHCHECK (inherited through its stages counts).

    Opt-in: a convention, not a defect. Render probes the service itself (``healthCheckPath``
    or an open port) and never runs Docker's HEALTHCHECK, and a distroless image has no shell
    or curl for one; a project that wants it turns it on with a level (``DF005: error``).

    Option ``path`` (say render.yaml's healthCheckPath): the probe must be a real one
    requesting it. Without it ``HEALTHCHECK NONE`` is an explicit choice and any probe will do.
    Pass: ``HEALTHCHECK CMD ["python", "-m", "app.healthcheck", "/health"]``
    Fail: no HEALTHCHECK, or (with a path) ``HEALTHCHECK NONE`` or a probe of ``/healthz``
    """
    health_path = options["path"]
    hc = df.healthcheck
    if hc is None:
        final = df.final_stage
        wanted = f"probing {health_path} {FROM_CONFIG} " if health_path else ""
        yield df.problem(
            final.line,
            f"the final image (FROM on line {final.line}) has no HEALTHCHECK: expected one "
            f"{wanted}so a hung app is restarted",
        )
    elif not health_path:
        return
    elif hc.disabled or hc.command is None:
        yield df.problem(
            hc.line, f"HEALTHCHECK is disabled: expected a probe of {health_path} {FROM_CONFIG}"
        )
    elif health_path not in hc.probed_paths:
        yield df.problem(
            hc.line,
            f"HEALTHCHECK probes {list(hc.command.argv)}: expected it to request {health_path} "
            f"{FROM_CONFIG}",
        )


@rule("DF006", target="dockerfile", options={"start_period": str}, enabled=False)
def healthcheck_start_period(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The HEALTHCHECK gives the app a ``--start-period`` to boot and migrate.

    Opt-in, like DF005: a Docker HEALTHCHECK setting that Render never uses.

    Option ``start_period``: the value the message suggests (say ``40s``).
    Pass: ``HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 CMD [...]``
    Fail: ``HEALTHCHECK --interval=30s CMD [...]`` (early failures count against the retries)
    """
    period = options["start_period"]
    suggested = f" ({period} {FROM_CONFIG})" if period else ""
    hc = df.healthcheck
    if hc is not None and not hc.disabled and "start-period" not in hc.options:
        yield df.problem(
            hc.line,
            f"HEALTHCHECK has no --start-period: expected one{suggested} so a slow start does "
            "not count as failures",
        )


def _no_command(df: Dockerfile, command: str | None) -> Problem:
    final = df.final_stage
    base = df.root().base
    where = f"the final image (FROM on line {final.line})"
    if command:
        return df.problem(
            final.line,
            f"{where} has no CMD or ENTRYPOINT: expected `CMD {command}` {FROM_CONFIG}",
        )
    if base == "scratch":
        return df.problem(
            final.line, f"{where} is built FROM scratch and has no CMD or ENTRYPOINT to run"
        )
    return df.problem(
        final.line,
        f"{where} sets no CMD or ENTRYPOINT, so it runs whatever its base image "
        f"{base or df.root().base_as_written!r} runs: expected an exec-form CMD unless that "
        "is the server",
        Level.WARNING,
    )


@rule("DF007", target="dockerfile", options={"command": str})
def exec_form_command(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final image has a CMD or ENTRYPOINT, each in exec (JSON) form.

    Only the command the target stage runs counts (a builder stage's shell-form ENTRYPOINT is
    fine, and an export stage, ``FROM scratch`` with files only, runs nothing). Shell form is a
    warning: /bin/sh may be PID 1 and swallow SIGTERM, yet many shells exec a lone command and
    ``CMD exec server`` is fine (not reported). It is an error when the image has no /bin/sh
    (scratch, distroless, Chainguard): the container cannot start. A shell-form
    ``HEALTHCHECK CMD`` is a warning: it needs /bin/sh and starts a shell on every probe.
    Pass: ``CMD ["gunicorn", "--config", "gunicorn.conf.py"]`` (gunicorn is PID 1 and gets
    SIGTERM)
    Fail: ``CMD gunicorn --config gunicorn.conf.py`` (/bin/sh is PID 1 and swallows SIGTERM)
    No command at all is an error when the image is ``scratch`` or the config names the
    command; otherwise it is a warning, as the base image may supply one (``FROM nginx:1.27``).
    Option ``command``: the exec-form CMD the message suggests when there is none.
    """
    if is_export_stage(df):
        return
    base = df.root().base
    no_shell = base is not None and ImageRef.parse(base).shell_free
    effective = [df.inherited(name)[-1:] for name in ("ENTRYPOINT", "CMD")]
    commands = [ins for found in effective for ins in found]
    if df.cmd is None and commands and commands[-1].name == "CMD":
        commands.pop()  # an inherited CMD reset by a later ENTRYPOINT
    if not commands:
        yield _no_command(df, options["command"])
    for ins in sorted(commands, key=lambda i: i.line):
        if command_of(ins).exec_form:
            continue
        if no_shell:
            yield df.problem(
                ins.line,
                f"{ins.name} is in shell form ({ins.value.strip()!r}) but the image {base!r} "
                "has no /bin/sh, so the container cannot start: expected exec form, a JSON list",
            )
        elif not ins.value.strip().startswith("exec "):
            yield df.problem(
                ins.line,
                f"{ins.name} is in shell form ({ins.value.strip()!r}): expected exec form, "
                "a JSON list, so the server is PID 1 and receives SIGTERM",
                Level.WARNING,
            )
    hc = df.healthcheck
    if hc is not None and hc.command is not None and not hc.command.exec_form:
        yield df.problem(
            hc.line,
            f"HEALTHCHECK CMD is in shell form ({hc.command.argv[-1]!r}): expected exec form, "
            "so the probe needs no /bin/sh in the image",
            Level.WARNING,
        )


@rule("DF008", target="dockerfile", options={"port": int}, enabled=False)
def expose_present(df: Dockerfile, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The final image EXPOSEs the port it listens on (ENV PORT when set).

    Opt-in: EXPOSE is documentation; Render finds the port the service binds (or reads
    ``PORT``), so an image without one deploys all the same.

    Pass: ``ENV PORT=10000`` and ``EXPOSE 10000``
    Fail: no EXPOSE, or ``ENV PORT=10000`` with ``EXPOSE 8000``
    Option ``port``: the port the message suggests (say 10000, Render's default).
    """
    final = df.final_stage
    ports = {port.partition("/")[0] for port, _ in df.exposes}
    if not ports:
        yield df.problem(
            final.line,
            f"the final image (FROM on line {final.line}) has no EXPOSE: expected the port "
            "the server binds" + (f" ({options['port']} {FROM_CONFIG})" if options["port"] else ""),
        )
        return
    port = df.env.get("PORT")
    if port and not port.startswith("$") and port not in ports:
        yield df.problem(
            df.exposes[0][1],
            f"EXPOSE lists {sorted(ports)} but ENV PORT is {port}: expected that port exposed",
        )
