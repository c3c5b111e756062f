"""Render's own published Blueprint schema, as a second opinion next to ours.

Fetched with requests from :data:`OFFICIAL_SCHEMA_URL` (or any URL or file the user names),
kept under the user's cache folder (``$XDG_CACHE_HOME/deploycheck``, default
``~/.cache/deploycheck``) together with its ``ETag`` and revalidated with ``If-None-Match``,
so it is downloaded once and then only when Render changes it. Without a network the cached
copy is used. With neither, the check is skipped with a warning, unless the user asked for
the official schema explicitly
(``required``): then the check cannot run and that is a :class:`ConfigFileError` (exit 2).

It is not vendored into the repository: a stale copy must never pass for the real thing.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from deploycheck.errors import ConfigFileError
from deploycheck.rules.schema import load_schema

OFFICIAL_SCHEMA_URL = "https://render.com/schema/render.yaml.json"
TIMEOUT_SECONDS = 10


@dataclass
class OfficialSchema:
    """The schema (``None`` when it could not be had) and what happened getting it."""

    schema: dict[str, Any] | None
    source: str
    warnings: list[str] = field(default_factory=list)


def cache_dir() -> Path:
    """The XDG cache folder: what Linux hosts and CI expect, and harmless on a Mac or Windows
    laptop, so no dependency is added for per-platform folders."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "deploycheck"


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def get_official_schema(
    location: str = OFFICIAL_SCHEMA_URL,
    *,
    required: bool = False,
    cache: Path | None = None,
    session: requests.Session | None = None,
) -> OfficialSchema:
    """Render's schema from ``location``, a URL (cached) or a local file (read as is)."""
    if not is_url(location):
        return OfficialSchema(load_schema(location), location)
    folder = cache or cache_dir()
    stem = hashlib.sha256(location.encode()).hexdigest()[:16]
    body, meta = folder / f"{stem}.json", folder / f"{stem}.etag"
    cached = _read_cached(body)
    headers = {"If-None-Match": meta.read_text().strip()} if cached and meta.exists() else {}
    try:
        response = (session or requests).get(location, headers=headers, timeout=TIMEOUT_SECONDS)
        if response.status_code == 304 and cached is not None:
            return OfficialSchema(cached, location)
        response.raise_for_status()
        schema = response.json()
        if not isinstance(schema, dict):
            raise ValueError("the response is not a JSON object")
    except (requests.RequestException, ValueError) as exc:
        reason = f"cannot fetch Render's schema from {location} ({exc})"
        if cached is not None:
            return OfficialSchema(cached, str(body), [f"{reason}; used the cached copy {body}"])
        if required:
            raise ConfigFileError(f"{reason} and nothing is cached in {folder}") from None
        return OfficialSchema(None, location, [f"{reason}; the official-schema check is skipped"])
    folder.mkdir(parents=True, exist_ok=True)
    body.write_text(json.dumps(schema), encoding="utf-8")
    if etag := response.headers.get("ETag"):
        meta.write_text(etag, encoding="utf-8")
    return OfficialSchema(schema, location)


def _read_cached(path: Path) -> dict[str, Any] | None:
    """The cached schema, or ``None`` when there is none (or it is unreadable: refetch)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
