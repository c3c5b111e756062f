"""Who the final image's process runs as, from what can be known offline.

Docker runs a container as the image's last USER, else as its base image's USER, which only the
base's publisher knows. Offline that is a fact for three kinds of base:

- the Docker Official Images of languages and distributions (and ``scratch``): they set no
  USER, so they run as root (their Dockerfiles in github.com/docker-library; Docker's
  "Dockerfile best practices": "If a service can run without privileges, use USER");
- servers whose master process starts as root, binds the port and serves from unprivileged
  workers by design: nginx (``user nginx;`` in the image's nginx.conf), httpd (``User daemon``
  in its httpd.conf) and php's ``apache`` and ``fpm`` variants (``www-data``), as the images'
  Docker Hub pages describe them;
- official server images whose ``docker-entrypoint.sh`` drops root with gosu or su-exec before
  the server starts (postgres, redis, mysql, mariadb, mongo, ghost): only while the Dockerfile
  keeps that ENTRYPOINT and the server command it recognises.

Any other base (a vendor image such as ``redash/redash``) has a user we cannot know, unless the
Dockerfile itself installs packages or adds users with no USER before it, which only root can.
A command drops privileges when it runs through gosu, su-exec, setpriv, runuser, ``su -c``,
``sudo -u``, chpst, s6-setuidgid or s6-overlay's ``/init``, in the ENTRYPOINT/CMD itself or in
the script they run that the Dockerfile copies from the build context (directly, or through a
builder stage's COPY of it); or when a supervisord config it names gives every program a
non-root ``user=`` (or the program is one of the servers above, whose workers drop root).
``forego start`` and ``honcho start`` run the Procfile of the WORKDIR, read like a script.
"""

from __future__ import annotations

import enum
import re
import shlex
from pathlib import Path, PurePosixPath

from deploycheck.targets import supervisord
from deploycheck.targets.dockerfile import Copy, Dockerfile
from deploycheck.targets.image_ref import ImageRef, substitute
from deploycheck.targets.stage_files import context_file_in
from deploycheck.targets.stage_graph import resolved_sources, scope, source_stage

ROOT_IMAGES = frozenset(
    {
        "almalinux",
        "alpine",
        "amazoncorretto",
        "amazonlinux",
        "archlinux",
        "bash",
        "buildpack-deps",
        "busybox",
        "centos",
        "clojure",
        "debian",
        "eclipse-temurin",
        "elixir",
        "erlang",
        "fedora",
        "gcc",
        "golang",
        "gradle",
        "haskell",
        "ibmjava",
        "julia",
        "maven",
        "node",
        "openjdk",
        "oraclelinux",
        "perl",
        "php",
        "pypy",
        "python",
        "r-base",
        "rockylinux",
        "ruby",
        "rust",
        "sapmachine",
        "swift",
        "ubuntu",
    }
)
# Vendor images built on an official root image without a USER of their own (their Dockerfiles).
ROOT_VENDOR_IMAGES = frozenset({"oven/bun", "ghcr.io/astral-sh/uv"})
# Servers whose master runs as root and whose workers do not (image -> tag words, "" for any).
_WORKER_SERVERS = {"nginx": ("",), "httpd": ("",), "php": ("apache", "fpm")}
_SERVER_WORDS = re.compile(
    r"(?:^|[\s;&|(\"'\[,])(?:/\S*/)?(?:nginx|httpd|apache2(?:-foreground|ctl)?|php-fpm[\d.]*)"
    r"(?=[\s\"',\]]|$)"
)
# Official images whose entrypoint drops root for the server command it recognises.
_DROPPING_ENTRYPOINTS = {
    "postgres": ("postgres",),
    "redis": ("redis-server",),
    "mysql": ("mysqld",),
    "mariadb": ("mariadbd", "mysqld"),
    "mongo": ("mongod",),
    "ghost": ("node",),
}
_DROP = re.compile(
    r"(?<![\w./-])(?:/\S*/)?(gosu|su-exec|setpriv|runuser|chpst|s6-setuidgid)(?![\w-])"
    r"|(?:^|[\s;&|(])(su)\s+(?:[^\n;|&]*\s)?-c\b"
    r"|(?:^|[\s;&|(])(sudo)\s+(?:[^\n;|&]*\s)?(?:-[A-Za-z]*u\b|--user\b)"
    r"|^\s*(uid)\s*=\s*\S"  # uwsgi's ini option: workers run as that user
)
# Process managers that start the Procfile of the working directory unless told otherwise.
_PROCFILE_RUNNERS = frozenset({"forego", "honcho"})
_ROOT_ONLY = re.compile(
    r"(?:^|[\s;&|(])(?:apt-get|apt|yum|dnf|microdnf|zypper)\s+(?:-\S+\s+)*install\b"
    r"|(?:^|[\s;&|(])(?:apk\s+(?:-\S+\s+)*add|useradd|groupadd|adduser|addgroup)\b"
)
_SERVES = re.compile(
    r"gunicorn|uvicorn|hypercorn|daphne|waitress-serve|puma|unicorn|runserver|rails\s+s"
    r"|flask\s+run|fastapi\s+run|(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?start\b"
    r"|--port\b|--bind\b|--host\b|0\.0\.0\.0|\$\{?PORT\b"
)


class Base(enum.Enum):
    """What the base image's own user is known to be."""

    ROOT = "root"
    NONROOT = "nonroot"
    WORKERS = "a root master with unprivileged workers"
    DROPPING_ENTRYPOINT = "root until its entrypoint drops privileges"
    UNKNOWN = "unknown"


def official_name(ref: ImageRef) -> str | None:
    """``python`` for ``python``, ``library/python`` or ``docker.io/library/python``."""
    name = ref.repository.lower()
    for prefix in ("index.docker.io/", "registry-1.docker.io/", "docker.io/", "library/"):
        name = name.removeprefix(prefix)
    return None if "/" in name else name


def _commands(df: Dockerfile) -> list[list[str]]:
    """The argv of the Dockerfile's own ENTRYPOINT and CMD (shell form split into words)."""
    found = []
    for command in (df.entrypoint, df.cmd):
        if command is None:
            continue
        if command.exec_form:
            found.append(list(command.argv))
            continue
        try:
            found.append(shlex.split(command.argv[-1]))
        except ValueError:
            found.append(command.argv[-1].split())
    return found


def _copied_files(df: Dockerfile) -> list[tuple[str, Path, bool]]:
    """``(image path, context path, is folder)`` for each context source the final image's
    stages COPY, build variables filled in."""
    found = []
    for stage in df.chain():
        for copy in df.copies_in(stage):
            dest = substitute(copy.dest, scope(df, stage, copy.line)) or copy.dest
            for name, path in _local_sources(df, copy):
                folder = dest == "." or dest.endswith(("/", "/."))
                into = folder or len(copy.sources) > 1 or path.is_dir()
                image = PurePosixPath(dest) / name if into and path.is_file() else dest
                found.append((str(image).rstrip("/") or "/", path, path.is_dir()))
    return found


def _local_sources(df: Dockerfile, copy: Copy) -> list[tuple[str, Path]]:
    """``(name as copied, context path)`` for each context file a COPY takes, directly or
    from a builder stage that copied it from the context (under another name, maybe)."""
    if "from" in copy.flags:
        origin = source_stage(df, copy)
        if origin is None:
            return []
        found = ((s, context_file_in(df, origin, s)) for s in copy.sources)
        return [(PurePosixPath(s).name, path) for s, path in found if path is not None]
    root = df.context.resolve()
    paths = (
        (root / source).resolve()
        for source in resolved_sources(df, copy)
        if source is not None and "://" not in source
    )
    return [(p.name, p) for p in paths if p.is_relative_to(root) and p.exists()]


def _context_file(df: Dockerfile, word: str) -> Path | None:
    """The build-context file a COPY of the final image puts where ``word`` names it."""
    if not word or word.startswith("-") or "=" in word:
        return None
    name = PurePosixPath(word).name
    for image, path, folder in _copied_files(df):
        if not folder:
            # A relative side is relative to a WORKDIR: its file name must match.
            relative = not word.startswith("/") or not image.startswith("/")
            if word == image or (relative and PurePosixPath(image).name == name):
                return path
            continue
        rel = word[len(image) + 1 :] if word.startswith(image + "/") else None
        if rel is None and not word.startswith("/"):
            rel = word.removeprefix("./")
        candidate = (path / rel).resolve() if rel else None
        if candidate and candidate.is_file() and candidate.is_relative_to(df.context.resolve()):
            return candidate
    return None


def _drop_in(text: str) -> tuple[str, int] | None:
    """The first privilege-dropping tool in a script and its line (comments skipped)."""
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
        match = _DROP.search(code)
        if match:
            return next(g for g in match.groups() if g), number
    return None


def _scripts(df: Dockerfile) -> list[tuple[Path, str]]:
    """The context files the command runs, and the files those name (uwsgi.ini), with text."""
    found: dict[Path, str] = {}
    words = [word for argv in _commands(df) for word in argv]
    if any(PurePosixPath(word).name in _PROCFILE_RUNNERS for word in words):
        words.append("Procfile")  # what `forego start` / `honcho start` run, in the WORKDIR
    for _ in range(2):
        named = [path for word in words if (path := _context_file(df, word)) is not None]
        words = []
        for path in named:
            if path not in found:
                found[path] = path.read_text(encoding="utf-8", errors="replace")
                words += re.findall(r"[\w./${}-]+", found[path])
    return list(found.items())


def privilege_drop(df: Dockerfile) -> str | None:
    """Where the Dockerfile's command drops root, said for a message; None when it does not."""
    for argv in _commands(df):
        if argv[:1] == ["/init"]:
            return "s6-overlay's /init in the ENTRYPOINT/CMD"
        found = _drop_in(" ".join(argv))
        if found:
            return f"{found[0]} in the ENTRYPOINT/CMD"
    for path, text in _scripts(df):
        where = path.relative_to(df.context.resolve()).as_posix()
        found = _drop_in(text)
        if found:
            return f"{found[0]} in {where}:{found[1]}, which the image runs"
        started = supervisord.programs(text)
        # Every program must leave root: as its user=, or as a server whose workers do.
        if started and all(not p.runs_as_root or _SERVER_WORDS.search(p.command) for p in started):
            runs = ", ".join(
                f"{p.name} as {p.user}"
                if not p.runs_as_root
                else f"{p.name} (unprivileged workers)"
                for p in started
            )
            return f"supervisord in {where} runs {runs}"
    return None


def _command_text(df: Dockerfile, scripts: bool = False) -> str:
    """The command's words and, with ``scripts``, the text of the scripts it runs."""
    words = " ".join(" ".join(argv) for argv in _commands(df))
    return " ".join([words, *(text for _, text in _scripts(df))]) if scripts else words


def base_user(df: Dockerfile) -> Base:
    """What is known of the final image's base user, given how the Dockerfile runs it."""
    base = df.root().base
    ref = ImageRef.parse(base if base is not None else df.root().base_as_written)
    if "$" in ref.repository:  # only the tag may wait for a build argument
        return Base.UNKNOWN
    if ref.is_scratch:
        return Base.ROOT
    if ref.runs_nonroot:
        return Base.NONROOT
    name = official_name(ref)
    tag = (ref.tag or "").lower()
    own = _command_text(df, scripts=True)
    if name in _WORKER_SERVERS and any(w in tag for w in _WORKER_SERVERS[name]):
        return Base.WORKERS if not own.strip() or _SERVER_WORDS.search(own) else Base.ROOT
    if name in _DROPPING_ENTRYPOINTS:
        cmd = df.cmd
        kept = df.entrypoint is None and (cmd is None or cmd.argv[0] in _DROPPING_ENTRYPOINTS[name])
        return Base.DROPPING_ENTRYPOINT if kept else Base.ROOT
    if name in ROOT_IMAGES or ref.repository in ROOT_VENDOR_IMAGES or _installs_as_root(df):
        # A server started by the command on a root base: apache2, nginx, php-fpm too keep
        # only their master as root (Debian's apache2 runs workers as www-data).
        return Base.WORKERS if _SERVER_WORDS.search(own) else Base.ROOT
    return Base.UNKNOWN


def _installs_as_root(df: Dockerfile) -> bool:
    """Whether a RUN of the final image installs packages or adds users before any USER: the
    build would fail unless the base runs as root."""
    for ins in df.inherited("RUN", "USER"):
        if ins.name == "USER":
            return False
        if _ROOT_ONLY.search(ins.script) and "sudo" not in ins.script:
            return True
    return False


def serves_network(df: Dockerfile) -> str | None:
    """Why the image is a network server (an EXPOSE, ENV PORT, a server command), or None."""
    if df.exposes:
        port, line = df.exposes[0]
        return f"EXPOSE {port} on line {line}"
    if df.env.get("PORT"):
        return "ENV PORT"
    found = _SERVES.search(_command_text(df, scripts=True))
    if found:
        return f"its command starts a server ({found.group(0)})"
    base = df.root().base
    name = official_name(ImageRef.parse(base)) if base else None
    if name in _DROPPING_ENTRYPOINTS or name in _WORKER_SERVERS:
        return f"its base {base!r} is a server image"
    return None
