"""Adopting deploycheck on a project that already has findings: a baseline file.

``deploycheck baseline`` writes every current finding to a file (by default
``.deploycheck-baseline.json``); a check run with ``--baseline FILE`` then counts only the
findings the file does not hold, and names the ones it holds that are gone (fixed). This is
detect-secrets' and checkov's way in: a team adopts the tool today and fails only on what a
change adds.

A finding is known by its *fingerprint*: its rule, its file and its subject, never its line.
The subject is the message with every place in it (``line 12``, ``Dockerfile:12``) written as
``#``, so an edit that only shifts lines keeps every fingerprint. Two findings with the same
fingerprint are counted: a baseline that holds one lets one through, and a second one is new.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from deploycheck import __version__
from deploycheck.errors import ConfigFileError
from deploycheck.findings import Finding
from deploycheck.records import record

BASELINE_FILE = ".deploycheck-baseline.json"
FORMAT_VERSION = 1
# Places inside a message: "line 12", "lines 3-5", "Dockerfile:12" or "render.yaml:4:7".
_LINE_WORDS = re.compile(r"\b(lines?) \d+(?:\s*[-–]\s*\d+)?")
_PATH_LINE = re.compile(r"(?<=[\w.])(:\d+){1,2}(?=$|[\s),;\]])")


def subject(message: str) -> str:
    """The message with its places written as ``#``: what the finding is about, not where."""
    return _PATH_LINE.sub(":#", _LINE_WORDS.sub(r"\1 #", message)).strip()


def _shown_path(path: str) -> str:
    return PurePath(path).as_posix().removeprefix("./")


@dataclass(frozen=True, order=True)
class Entry:
    """One fingerprint of the baseline and how many findings carry it."""

    check: str
    path: str
    rule: str
    subject: str
    count: int = 1

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule, self.path, self.subject)

    def as_dict(self) -> dict[str, object]:
        return record(self, "fingerprint check rule path subject count")


def fingerprint(rule: str, path: str, about: str) -> str:
    text = "\0".join((rule, _shown_path(path), about))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def finding_fingerprint(finding: Finding) -> str:
    return fingerprint(finding.rule_id, finding.path, subject(finding.message))


def entries(check: str, findings: Iterable[Finding]) -> list[Entry]:
    """The baseline entries of one check's findings, one per fingerprint, counted."""
    counts = Counter((_shown_path(f.path), f.rule_id, subject(f.message)) for f in findings)
    return sorted(Entry(check, path, rule, about, n) for (path, rule, about), n in counts.items())


@dataclass(frozen=True)
class Baseline:
    """The findings a project has accepted, per check (``dockerfile``, ``blueprint``, ...)."""

    entries: tuple[Entry, ...] = ()
    path: Path | None = None

    def of_check(self, check: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.check == check]

    def as_dict(self) -> dict[str, object]:
        return {
            "version": FORMAT_VERSION,
            "generated_by": f"deploycheck {__version__}",
            "findings": [entry.as_dict() for entry in sorted(self.entries)],
        }

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")


def build(results: Mapping[str, Sequence[Finding]]) -> Baseline:
    """A baseline of every finding, check by check."""
    found = [entry for check, findings in results.items() for entry in entries(check, findings)]
    return Baseline(tuple(sorted(found)))


def load(path: str | Path) -> Baseline:
    """The baseline at ``path``; a ``ConfigFileError`` (exit 2) names what is wrong with it."""
    where = Path(path)
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigFileError(f"cannot read baseline {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(f"cannot read baseline {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigFileError(
            f"baseline {path}:{exc.lineno}: not JSON ({exc.msg}); "
            "write one with `deploycheck baseline`"
        ) from None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise ConfigFileError(
            f"baseline {path}: expected a deploycheck baseline of format version "
            f"{FORMAT_VERSION} (`deploycheck baseline` writes one)"
        )
    found = []
    for index, item in enumerate(data.get("findings") or []):
        try:
            entry = Entry(
                str(item["check"]),
                str(item["path"]),
                str(item["rule"]),
                str(item["subject"]),
                int(item.get("count", 1)),
            )
        except (KeyError, TypeError, ValueError):
            raise ConfigFileError(
                f"baseline {path}: finding {index} lacks check, path, rule or subject"
            ) from None
        found.append(entry)
    return Baseline(tuple(found), where)


@dataclass
class Comparison:
    """A check's findings against the baseline: new ones count, known ones are let through,
    and entries no finding matched any more are gone (fixed)."""

    new: list[Finding] = field(default_factory=list)
    known: list[Finding] = field(default_factory=list)
    gone: list[Entry] = field(default_factory=list)


def compare(check: str, findings: Iterable[Finding], baseline: Baseline) -> Comparison:
    allowed = Counter({entry.fingerprint: entry.count for entry in baseline.of_check(check)})
    result = Comparison()
    for finding in sorted(findings):
        key = finding_fingerprint(finding)
        if allowed[key] > 0:
            allowed[key] -= 1
            result.known.append(finding)
        else:
            result.new.append(finding)
    for entry in baseline.of_check(check):
        left = allowed[entry.fingerprint]
        if left > 0:
            result.gone.append(Entry(entry.check, entry.path, entry.rule, entry.subject, left))
    return result
