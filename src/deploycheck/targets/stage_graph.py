"""Which stages of a Dockerfile are built, which ship, and what a COPY source resolves to.

``docker build`` (BuildKit) builds the target stage (the last one unless ``--target`` names
another) and only the stages it needs: the stages it is built ``FROM``, the stages it copies
from (``COPY --from``) and those it mounts (``RUN --mount=from=``), recursively. Of these, the
files of a stage *ship* in the image only when they are the image's own layers (the target and
the stages it is built FROM) or when a shipped stage copies that stage's whole filesystem
(``COPY --from=builder / /``); a builder whose ``/app/bin`` alone is copied keeps everything
else, its caches included, out of the image. The target stage *runs*; no other stage does.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from deploycheck.targets.dockerfile import Copy, Dockerfile, Stage
from deploycheck.targets.image_ref import substitute


def source_stage(df: Dockerfile, copy: Copy) -> Stage | None:
    """The stage a ``COPY --from=`` names, None for an image or a named build context."""
    name = copy.flags.get("from")
    return df.stage_named(name) if name else None


def _depends_on(df: Dockerfile, stage: Stage) -> list[Stage]:
    found = [df.stages[stage.parent]] if stage.parent is not None else []
    found += [s for c in df.copies_in(stage) if (s := source_stage(df, c)) is not None]
    for run in (i for i in stage.instructions if i.name == "RUN"):
        for mount in run.flag_values("mount"):
            options = dict(o.partition("=")[::2] for o in mount.split(","))
            if options.get("from") and (s := df.stage_named(options["from"])) is not None:
                found.append(s)
    return found


def built_stages(df: Dockerfile) -> set[int]:
    """Indexes of the stages BuildKit builds for the target stage."""
    seen: set[int] = set()
    todo = [df.final_stage]
    while todo:
        stage = todo.pop()
        if stage.index not in seen:
            seen.add(stage.index)
            todo += _depends_on(df, stage)
    return seen


def _whole_filesystem(source: str) -> bool:
    return PurePosixPath("/" + source.strip().lstrip("/")) == PurePosixPath("/")


def shipped_stages(df: Dockerfile) -> set[int]:
    """Indexes of the stages whose whole filesystem ends up in the image."""
    shipped: set[int] = set()
    todo = df.chain()
    while todo:
        stage = todo.pop()
        if stage.index in shipped:
            continue
        shipped.add(stage.index)
        for copy in df.copies_in(stage):
            origin = source_stage(df, copy)
            if origin is not None and any(_whole_filesystem(s) for s in copy.sources):
                todo += df.chain(origin)
    return shipped


def copies_of(df: Dockerfile, stage: Stage) -> list[tuple[Copy, list[str]]]:
    """Every COPY in a shipped stage that takes files from ``stage``, with its sources."""
    shipped = shipped_stages(df)
    return [
        (copy, list(copy.sources))
        for s in df.stages
        if s.index in shipped
        for copy in df.copies_in(s)
        if (origin := source_stage(df, copy)) is not None and origin.index == stage.index
    ]


def scope(df: Dockerfile, stage: Stage, line: int) -> dict[str, str | None]:
    """The build variables an instruction on ``line`` of ``stage`` sees, with their defaults.

    ENV is inherited through the stage chain; an ARG holds in its own stage only, and a bare
    ``ARG NAME`` there takes the default of a global ``ARG NAME``; None marks a value only
    known at build time (no default).
    """
    values: dict[str, str | None] = {}
    chain = {s.index for s in df.chain(stage)}
    for var in df.variables:
        if var.line >= line or (var.stage != stage.index and var.kind == "ARG"):
            continue
        if var.kind == "ENV" and var.stage not in chain:
            continue
        if var.kind == "ARG" and var.value is None:
            values[var.name] = df.global_args.get(var.name)
        else:
            values[var.name] = substitute(var.value or "", values)
    return values


def resolved_sources(df: Dockerfile, copy: Copy) -> list[str | None]:
    """Each source of ``copy`` with build variables substituted by their defaults (None when
    one is only known at build time), relative to the context root."""
    if not any("$" in source for source in copy.sources):
        return [source.strip().lstrip("/") for source in copy.sources]
    values = scope(df, df.stages[copy.stage], copy.line)
    found: list[str | None] = []
    for source in copy.sources:
        value = substitute(source, values) if "$" in source else source
        found.append(None if value is None else value.strip().lstrip("/"))
    return found


_RUNTIME = ("CMD", "ENTRYPOINT", "USER", "HEALTHCHECK", "EXPOSE", "STOPSIGNAL")


def is_export_stage(df: Dockerfile) -> bool:
    """Whether the target stage is files to export, never run: ``FROM scratch`` with nothing
    that configures a process (no CMD, ENTRYPOINT, USER, HEALTHCHECK, EXPOSE or STOPSIGNAL), as
    ``docker build --output`` uses it (https://docs.docker.com/build/exporters/local-tar/)."""
    return df.root().base == "scratch" and not df.inherited(*_RUNTIME)
