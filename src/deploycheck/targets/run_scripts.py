"""What a RUN script does with a build secret or a download: facts for DF018 and DF019.

A BuildKit secret mount (``RUN --mount=type=secret,id=k``) puts the secret at
``/run/secrets/<id>`` (or its ``target=``/``env=``) for that one RUN only; it never lands in a
layer unless the script writes it somewhere (https://docs.docker.com/build/building/secrets/).
A script that copies it (``cp``, ``install``, ``tee``, a ``>`` redirect of ``cat``) or writes
it into a config (``git config --global ... $(cat /run/secrets/k)``) and does not remove the
copy in the same RUN leaves the secret in the image's layers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deploycheck.targets.dockerfile import Instruction
from deploycheck.targets.shell import SimpleCommand

_COPIERS = frozenset({"cp", "install", "rsync", "mv"})
_REDIRECT = re.compile(r"^\d?>>?(.*)$")
_DOWNLOAD = r"(?:curl|wget)\b[^|;&\n]*"
_SHELLS = r"(?:sh|bash|zsh|ash|dash|ksh|python[\d.]*|perl|ruby|node)\b"
# `curl URL | sh`, `wget -O- URL | sudo bash -s`, `sh -c "$(curl URL)"`, `bash <(curl URL)`.
PIPED_DOWNLOAD = re.compile(
    rf"\b{_DOWNLOAD}\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:\S+/)?{_SHELLS}"
    rf"|\b{_SHELLS}\s+(?:-\S+\s+)*(?:\"?\$\(|<\()\s*{_DOWNLOAD}"
)


@dataclass(frozen=True)
class SecretMount:
    """A secret a RUN mounts: its id, the file it appears at, or the variable it fills."""

    id: str
    path: str | None
    env: str | None


def secret_mounts(run: Instruction) -> list[SecretMount]:
    found = []
    for mount in run.flag_values("mount"):
        options = dict(o.partition("=")[::2] for o in mount.split(","))
        if options.get("type") != "secret":
            continue
        secret_id = options.get("id") or ""
        target = options.get("target") or options.get("dst") or options.get("destination")
        env = options.get("env")
        path = target or (None if env else f"/run/secrets/{secret_id}")
        found.append(SecretMount(secret_id, path, env))
    return found


def _reads(word: str, mount: SecretMount) -> bool:
    if mount.path is not None and mount.path in word:
        return True
    return mount.env is not None and re.search(rf"\$\{{?{re.escape(mount.env)}\b", word) is not None


def _destination(command: SimpleCommand, mount: SecretMount, piped_in: bool = False) -> str | None:
    """Where ``command`` writes the secret to (it reads it, or ``piped_in``: the command
    before it did, as in ``cat /run/secrets/k | tee f``), None when it does not."""
    words = command.words
    if not piped_in and not any(_reads(w, mount) for w in words):
        return None
    if command.program in _COPIERS and len(words) > 2 and not _reads(words[-1], mount):
        return words[-1]
    if command.program == "tee":
        return next((w for w in words[1:] if not w.startswith("-")), None)
    if command.program == "git" and "config" in words:
        return "~/.gitconfig"
    for word, after in zip(words, (*words[1:], ""), strict=True):
        match = _REDIRECT.match(word)
        if match:
            target = match.group(1) or after
            if target and not target.startswith(("/dev/", "&")):
                return target
    return None


def leaked_secrets(run: Instruction) -> list[tuple[SecretMount, str]]:
    """``(secret, destination)`` for each secret this RUN writes into a file it keeps."""
    found = []
    commands = run.commands
    for mount in secret_mounts(run):
        for index, command in enumerate(commands):
            before = commands[index - 1] if index else None
            piped_in = (
                command.program == "tee"
                and before is not None
                and any(_reads(w, mount) for w in before.words)
            )
            target = _destination(command, mount, piped_in)
            if target is not None and not any(
                _removes(later, target) for later in commands[index + 1 :]
            ):
                found.append((mount, target))
    return found


def _removes(command: SimpleCommand, target: str) -> bool:
    """Whether ``command`` deletes ``target`` or a folder holding it."""
    if command.program != "rm":
        return False
    paths = [w.rstrip("/") for w in command.words[1:] if not w.startswith("-")]
    return any(p and (target == p or target.startswith(p + "/")) for p in paths)


def piped_downloads(run: Instruction) -> list[str]:
    """Each ``download | shell`` in the script, as written."""
    script = re.sub(r"\\\r?\n", " ", run.script)
    return [match.group(0).strip() for match in PIPED_DOWNLOAD.finditer(script)]
