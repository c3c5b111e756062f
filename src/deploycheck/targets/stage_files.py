"""Which build-context file a path of a stage holds, for files that reach the final image
through a builder (``COPY --from=builder /src/entrypoint.sh /usr/local/bin/``).

A builder stage gets its files from the build context with COPY/ADD; a later
``COPY --from=builder`` takes a path of that stage's filesystem. The path names a context file
when it lies at or under the destination of one of the builder's own context COPYs, the last
such COPY winning as its layer does. Relative destinations are relative to the WORKDIR then in
force (Dockerfile reference: "If the destination does not begin with a leading slash, it's
interpreted as relative to the working directory of the build container").
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from deploycheck.targets.dockerfile import Copy, Dockerfile, Stage
from deploycheck.targets.image_ref import substitute
from deploycheck.targets.stage_graph import resolved_sources, scope


def workdir(df: Dockerfile, stage: Stage, line: int) -> PurePosixPath:
    """The WORKDIR an instruction on ``line`` of ``stage`` runs in (``/`` when none is set)."""
    current = PurePosixPath("/")
    for ins in df.inherited("WORKDIR", stage=stage):
        if ins.stage == stage.index and ins.line >= line:
            break
        value = substitute(ins.value.strip(), scope(df, stage, ins.line)) or ins.value.strip()
        current = current / value
    return current


def _destination(df: Dockerfile, copy: Copy) -> str:
    stage = df.stages[copy.stage]
    dest = substitute(copy.dest, scope(df, stage, copy.line)) or copy.dest
    absolute = str(workdir(df, stage, copy.line) / dest)
    return absolute + "/" if dest.endswith(("/", ".")) else absolute


def context_file_in(df: Dockerfile, stage: Stage, path: str) -> Path | None:
    """The context file (or folder) found at the absolute ``path`` of ``stage``, if any."""
    root = df.context.resolve()
    wanted = PurePosixPath("/") / path
    for copy in reversed([c for s in df.chain(stage) for c in df.copies_in(s)]):
        if "from" in copy.flags:
            continue
        dest = _destination(df, copy)
        into = dest.endswith("/") or len(copy.sources) > 1
        for source in resolved_sources(df, copy):
            if source is None or "://" in source:
                continue
            local = (root / source).resolve()
            if not local.is_relative_to(root) or not local.exists():
                continue
            # A folder's contents land in the destination; a file lands in it or as it.
            target = PurePosixPath(dest) / local.name if into and local.is_file() else dest
            target = PurePosixPath(str(target).rstrip("/") or "/")
            if wanted == target:
                return local
            if local.is_dir() and wanted.is_relative_to(target):
                candidate = (local / wanted.relative_to(target)).resolve()
                if candidate.exists() and candidate.is_relative_to(root):
                    return candidate
    return None
