"""Building images for real and reading their facts off the engine.

The facts are plain data (:mod:`deploycheck.targets.image`): :func:`read_image` reads
``docker inspect`` and the history into an :class:`Image`, :func:`read_files` lists the
filesystem and :func:`read_layer_files` every layer's files (``docker save``, whose archive
:func:`read_saved_layers` reads), :func:`build_image` builds with the classic builder and keeps
the log.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import docker

from deploycheck.errors import ImageBuildError
from deploycheck.targets.image import BuildResult, BuildStep, FileEntry, Image, Layer, LayerFile

# Classic-builder progress lines: "Step 4/15 : RUN pip install ..." then " ---> Using cache".
_STEP = re.compile(r"^Step (\d+)/\d+ : (.*)$")
_USING_CACHE = " ---> Using cache"
LOG_TAIL_LINES = 30


_WHITEOUT = ".wh."
_OPAQUE = ".wh..wh..opq"


def _parse_steps(log: list[str]) -> list[BuildStep]:
    steps: list[BuildStep] = []
    current: tuple[int, str] | None = None
    cached = False
    for line in log:
        match = _STEP.match(line)
        if match:
            if current:
                steps.append(BuildStep(current[0], current[1], cached))
            current, cached = (int(match.group(1)), match.group(2)), False
        elif line.startswith(_USING_CACHE):
            cached = True
    if current:
        steps.append(BuildStep(current[0], current[1], cached))
    return steps


def build_image(
    client: docker.DockerClient,
    context: Path,
    *,
    dockerfile: str,
    tag: str,
    buildargs: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    log_path: Path | None = None,
) -> BuildResult:
    """Build ``dockerfile`` in ``context`` with the classic builder and keep its log.

    The log is written to ``log_path`` whether the build passes or fails, so a CI artifact
    always explains a red build. Raises ImageBuildError with the log's tail on failure.
    """
    log: list[str] = []
    error: str | None = None
    started = time.monotonic()
    stream = client.api.build(
        path=str(context),
        dockerfile=dockerfile,
        tag=tag,
        buildargs=buildargs or {},
        labels=labels or {},
        rm=True,
        forcerm=True,
        decode=True,
    )
    for chunk in stream:
        if "stream" in chunk:
            log.extend(chunk["stream"].splitlines())
        elif "error" in chunk:
            error = chunk["error"].strip()
            log.append(f"ERROR: {error}")
    seconds = time.monotonic() - started
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("\n".join(log) + "\n")
    if error is not None:
        tail = "\n".join(log[-LOG_TAIL_LINES:])
        where = f" (full log: {log_path})" if log_path else ""
        raise ImageBuildError(f"building {dockerfile} as {tag} failed: {error}{where}\n{tail}")
    return BuildResult(read_image(client, tag), seconds, log, _parse_steps(log))


def read_image(client: docker.DockerClient, ref: str) -> Image:
    """The facts of local image ``ref``: its inspect data and history, oldest layer first."""
    attrs = client.images.get(ref).attrs
    history = client.api.history(attrs["Id"])
    layers = tuple(Layer(e.get("CreatedBy", ""), int(e.get("Size", 0))) for e in history)[::-1]
    diff_ids = tuple(attrs["RootFS"]["Layers"])
    return Image(ref, attrs["Id"], int(attrs["Size"]), attrs["Config"] or {}, layers, diff_ids)


def read_files(client: docker.DockerClient, image: Image) -> Iterator[FileEntry]:
    """Every path in the image filesystem (created, never started, then removed)."""
    container = client.containers.create(image.id, command=["true"])
    try:
        stream = container.export()
        reader = io.BufferedReader(_ChunkStream(stream), buffer_size=1 << 20)
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for member in tar:
                yield FileEntry(
                    # Names come as "app/x" or "./app/x"; lstrip("./") would also eat the dot
                    # of a root-level dotfile such as /.dockerenv.
                    path="/" + member.name.removeprefix("./").lstrip("/"),
                    size=member.size,
                    mode=member.mode,
                    uid=member.uid,
                    is_dir=member.isdir(),
                )
    finally:
        container.remove(force=True)


def read_layer_files(
    client: docker.DockerClient, image: Image, *, skip: int = 0, max_bytes: int = 256 * 1024
) -> Iterator[LayerFile]:
    """Every regular file of every layer after the first ``skip`` (say the base image's),
    deleted ones included, read from ``docker save``: what anyone who pulls the image gets."""
    with tempfile.TemporaryFile() as saved:
        for chunk in client.images.get(image.id).save(named=False):
            saved.write(chunk)
        saved.seek(0)
        yield from read_saved_layers(saved, skip=skip, max_bytes=max_bytes)


def read_saved_layers(
    saved: IO[bytes], *, skip: int = 0, max_bytes: int = 256 * 1024
) -> Iterator[LayerFile]:
    """:func:`read_layer_files` over an image archive in ``docker save`` format (a seekable
    file): its manifest, its config's history and one tarball per layer."""
    with tarfile.open(fileobj=saved, mode="r:") as archive:
        manifest = json.load(_member(archive, "manifest.json"))[0]
        config = json.load(_member(archive, manifest["Config"]))
        made = [i for i, h in enumerate(config["history"]) if not h.get("empty_layer")]
        layers = list(zip(made, manifest["Layers"], strict=True))[skip:]
        deleted = [_whiteouts(archive, name) for _, name in layers]
        for position, (index, name) in enumerate(layers):
            later = set().union(*deleted[position + 1 :])
            instruction = Layer(config["history"][index].get("created_by", ""), 0).instruction
            with tarfile.open(fileobj=_member(archive, name), mode="r|") as layer:
                for member in layer:
                    path = "/" + member.name.removeprefix("./").lstrip("/")
                    if not member.isfile() or _WHITEOUT in path.rsplit("/", 1)[-1]:
                        continue
                    small = member.size <= max_bytes
                    handle = layer.extractfile(member) if small else None
                    yield LayerFile(
                        index,
                        instruction,
                        path,
                        member.size,
                        handle.read() if handle else None,
                        _is_deleted(path, later),
                    )


def _member(archive: tarfile.TarFile, name: str) -> io.BufferedReader:
    handle = archive.extractfile(name)
    if handle is None:
        raise ImageBuildError(f"docker save output has no file {name}")
    return handle


def _whiteouts(archive: tarfile.TarFile, layer: str) -> set[str]:
    """Paths a layer deletes: ``dir/.wh.name`` removes ``dir/name``, an opaque marker ``dir/``."""
    found = set()
    with tarfile.open(fileobj=_member(archive, layer), mode="r|") as tar:
        for member in tar:
            directory, _, name = ("/" + member.name.removeprefix("./").lstrip("/")).rpartition("/")
            if name == _OPAQUE:
                found.add(directory + "/")
            elif name.startswith(_WHITEOUT):
                found.add(f"{directory}/{name.removeprefix(_WHITEOUT)}")
    return found


def _is_deleted(path: str, deleted: set[str]) -> bool:
    parts = path.split("/")
    prefixes = {"/".join(parts[:i]) for i in range(2, len(parts) + 1)}
    return bool(prefixes & deleted) or any(p + "/" in deleted for p in prefixes - {path})


class _ChunkStream(io.RawIOBase):
    """A raw stream over the byte chunks ``export()`` yields, so tarfile can read it lazily."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count
