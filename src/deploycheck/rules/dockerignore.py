"""DI rules: the build context holds nothing an image must not carry (DI001, DI002) and
everything the Dockerfile COPYs (DI003), judged on the files really there, sent as the engine
would send them (:mod:`deploycheck.targets.dockerignore`, :mod:`deploycheck.targets.context_files`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from docker.utils.fnmatch import fnmatchcase

from deploycheck import registry
from deploycheck.findings import Finding, Level, Problem
from deploycheck.registry import Settings, rule
from deploycheck.targets.context_files import KEPT_OUT, SECRET, Unwanted, unwanted
from deploycheck.targets.dockerfile import Copy
from deploycheck.targets.dockerignore import BuildContext, IgnorePattern, has_glob
from deploycheck.targets.git_facts import ignored, tracked
from deploycheck.targets.stage_graph import built_stages, resolved_sources, shipped_stages

_SHOWN = 3


def _problem(
    context: BuildContext, line: int | None, message: str, level: Level | None = None
) -> Problem:
    return Problem(context.dockerignore.display_path, line, message, level=level)


@rule("DI001", target="context", level=Level.INFO)
def dockerignore_present(context: BuildContext) -> Iterator[Problem]:
    """The build context has a .dockerignore (advice: DI002 reports what really gets sent).

    Info, not an error: without one everything is sent, which is harmless when the context
    holds nothing an image must not carry; DI002 judges what is really there.
    Pass: a ``.dockerignore`` next to the Dockerfile
    Fail: no ``.dockerignore`` in the context root
    """
    if not context.dockerignore.exists:
        yield _problem(
            context,
            None,
            "no .dockerignore: every file of the build context is sent to the engine; expected "
            "one listing what no image needs (.git, .env, caches)",
        )


def _covers(source: str, path: str) -> bool:
    """Whether a COPY source (a path or Go glob, relative to the root) brings in ``path``."""
    wanted = [p for p in source.split("/") if p not in ("", ".")]
    parts = path.split("/")
    if len(wanted) > len(parts):
        return False
    return all(fnmatchcase(part, pattern) for part, pattern in zip(parts, wanted, strict=False))


Sources = list[tuple[Copy, list[str | None]]]


def context_copies(context: BuildContext) -> Sources:
    """The COPY/ADD instructions of the built stages that read the context, with their
    resolved local sources (None for one only known at build time)."""
    df = context.dockerfile
    built = built_stages(df)
    found = []
    for copy in df.copies:
        if copy.stage in built and "from" not in copy.flags:
            sources = resolved_sources(df, copy)
            local = [s for s in sources if s is None or not _remote(copy, s)]
            found.append((copy, local))
    return found


def _remote(copy: Copy, source: str) -> bool:
    """Whether an ADD source is fetched by the builder (a URL or a git remote), not read from
    the context (https://docs.docker.com/reference/dockerfile/#add)."""
    bare = source.strip("\"'")
    return copy.instruction == "ADD" and ("://" in bare or bare.startswith("git@"))


def _where_it_goes(copies: Sources, shipped: set[int], path: str) -> tuple[Copy | None, bool]:
    """The first COPY that brings ``path`` in, and whether its stage ships in the image."""
    found: Copy | None = None
    for copy, sources in copies:
        if any(s is not None and _covers(s, path) for s in sources):
            if copy.stage in shipped:
                return copy, True
            found = found or copy
    return found, False


def _level(item: Unwanted, ships: bool, in_git: bool = False) -> Level:
    """A secret shipped in the image is an error unless git already tracks it: then it is
    in the repository for anyone who can clone it, and the image adds no new leak."""
    if item.kind == SECRET and not in_git:
        return Level.ERROR if ships else Level.WARNING
    return Level.WARNING if ships else Level.INFO


def _reinclude_line(context: BuildContext, path: str) -> int | None:
    pattern = context.dockerignore.deciding_pattern(path)
    return pattern.line if pattern is not None else None


def _fate(context: BuildContext, copy: Copy | None, ships: bool) -> str:
    dockerfile = context.dockerfile.display_path
    if copy is None:
        return "sent to the build context (one `COPY . .` away from a layer)"
    if ships:
        return f"copied into the image by {dockerfile} line {copy.line}"
    return f"copied into a build stage's layers by {dockerfile} line {copy.line}"


def _keep_out(context: BuildContext, patterns: list[str]) -> Iterator[Unwanted]:
    compiled = [IgnorePattern(p, 0).compiled.cleaned_pattern for p in patterns]

    def matched(path: str) -> str | None:
        return next((p for p in compiled if fnmatchcase(path, p)), None)

    for entry in context.walk(prune=lambda path: matched(path) is not None):
        if (pattern := matched(entry.path)) is not None:
            why = f"matches `{pattern}` (keep_out, from the project's config)"
            yield Unwanted(entry.path, KEPT_OUT, why, entry.is_dir)


@rule("DI002", target="context", options={"keep_out": []})
def nothing_unwanted_sent(context: BuildContext, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The build context sends no secrets, VCS data, virtualenvs, host packages or caches.

    The context is walked as the engine sends it (``.dockerignore`` and its ``!`` lines
    honoured) and only files really there count. A secret that a COPY puts in a shipped
    image is an error (anyone who pulls the image has it); a secret only sent, or copied into a
    builder stage, is a warning; so is a secret file git tracks (a committed test key or CI env
    file is already in the repository, where secret scanners judge it). VCS data, virtualenvs,
    ``node_modules`` and caches copied into the image are warnings (bloat, host binaries,
    history), otherwise info (a slower build).
    Option ``keep_out``: Docker patterns of the project's own files that must not be sent
    (``tests``, ``docs``), reported like caches.
    Pass: ``.git`` and ``**/.env`` in .dockerignore, ``COPY . .``
    Fail: a ``.env`` setting ``SECRET_KEY`` next to ``COPY . .`` with no .dockerignore line
    """
    found = list(unwanted(context)) + list(_keep_out(context, list(options["keep_out"])))
    if not found:
        return
    copies, shipped = context_copies(context), shipped_stages(context.dockerfile)
    in_git = tracked(context.root, [item.path for item in found if item.kind == SECRET])
    # A secret is reported on its own; other kinds once per reason, naming a few members.
    groups: dict[tuple[str, str], list[Placed]] = {}
    for item in found:
        key = (item.kind, item.path if item.kind == SECRET else item.why)
        groups.setdefault(key, []).append((item, *_where_it_goes(copies, shipped, item.path)))
    for (kind, _), members in sorted(groups.items(), key=lambda group: group[0][0] != SECRET):
        yield _group_problem(context, members, kind == SECRET and members[0][0].path in in_git)


Placed = tuple[Unwanted, Copy | None, bool]


def _group_problem(context: BuildContext, members: list[Placed], in_git: bool) -> Problem:
    """One finding for unwanted files of one kind and reason, placed by the member that goes
    furthest (into the shipped image rather than a builder or only the context)."""
    item, copy, ships = max(members, key=lambda m: m[2])
    if item.kind == SECRET:
        note = " (git tracks it: it is already in the repository)" if in_git else ""
        what = f"{item.path} ({item.why}){note}"
        advice = "; secrets belong in the platform's secret store or a build secret mount"
    else:
        names = [m[0].path + ("/" if m[0].is_dir else "") for m in members]
        more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
        what, advice = f"{', '.join(names[:_SHOWN])}{more} ({item.kind}: {item.why})", ""
    return _problem(
        context,
        _reinclude_line(context, item.path),
        f"{what} is {_fate(context, copy, ships)}: expected it excluded in .dockerignore{advice}",
        _level(item, ships, in_git),
    )


@rule("DI003", target="context")
def copied_files_present(context: BuildContext) -> Iterator[Problem]:
    """Everything the Dockerfile COPYs from the context is there and left in by .dockerignore.

    Sources are read as the builder reads them: ARG and ENV defaults substituted, globs
    matched against the files really in the context, ``!`` re-includes honoured (a folder
    excluded while a file in it is put back still sends that file). A source only known at
    build time (an ARG without a default) is left alone; so are the stages the target does not
    need, which BuildKit never builds.
    A URL or git source of ADD is fetched by the builder, not read from the context. A glob
    that matches nothing is info (BuildKit copies nothing); a missing path that git ignores is
    a warning (a build output: a clean clone, as Render builds from, lacks it).
    Pass: ``*`` then ``!requirements.txt`` with ``COPY requirements.txt .``
    Fail: ``*`` without ``!requirements.txt``, or ``COPY config.toml .`` with no such file
    (the build fails: file not found in the context)
    """
    dockerfile = context.dockerfile.display_path
    for copy, sources in context_copies(context):
        for source in sources:
            if source is None or source in ("", "."):
                continue
            sent, excluded = context.matching(source)
            if sent and not _emptied(context, sent):
                continue
            what = f"{dockerfile} line {copy.line} {copy.instruction}s {source}"
            if sent:
                yield _problem(
                    context,
                    None,
                    f"{what}, but .dockerignore excludes every file under {sent[0]}: expected "
                    "them kept in the build context (the image would get an empty folder)",
                )
            elif excluded:
                pattern = context.dockerignore.deciding_pattern(excluded[0])
                why = f"`{pattern.text}` excludes {excluded[0]}" if pattern else "it is excluded"
                yield _problem(
                    context,
                    pattern.line if pattern else None,
                    f"{what}, but {why}: expected it kept in the build context (the build "
                    "fails: not found)",
                )
            else:
                yield _missing(context, copy, source)


def _missing(context: BuildContext, copy: Copy, source: str) -> Problem:
    """A source with nothing in the context. BuildKit's Dockerfile frontend copies with
    AllowEmptyWildcard (moby/buildkit frontend/dockerfile/dockerfile2llb/convert.go), so a glob
    that matches nothing copies nothing; a literal path is read from a clean clone on Render,
    where a path git ignores (a build output) is not there either."""
    dockerfile = context.dockerfile.display_path
    where = f"in the build context {context.root}"
    if has_glob(source):
        return Problem(
            dockerfile,
            copy.line,
            f"{copy.instruction} {source}: no file matches it {where}; BuildKit copies nothing "
            "for a glob that matches nothing (expected at least one match if the file matters)",
            level=Level.INFO,
        )
    if ignored(context.root, [source]):
        return Problem(
            dockerfile,
            copy.line,
            f"{copy.instruction} {source}: not in a clean checkout (git ignores it): built "
            "before docker build? Render builds from a clean clone, so this build fails there",
            level=Level.WARNING,
        )
    return Problem(
        dockerfile,
        copy.line,
        f"{copy.instruction} {source}: it does not exist {where}: expected it there (the build "
        "fails: not found)",
    )


def _emptied(context: BuildContext, sent: list[str]) -> bool:
    """Whether every matched path is a directory whose files are all excluded."""
    for path in sent:
        folder = context.root / path
        if not folder.is_dir() or not any(folder.iterdir()):
            return False
        if any(not entry.is_dir for entry in context.walk(path)):
            return False
    return True


def check(context: BuildContext, settings: Settings | None = None) -> list[Finding]:
    """Every DI rule enabled in ``settings`` over ``context``, sorted by place."""
    return registry.run("context", context, settings)
