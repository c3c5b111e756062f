"""Security probes that run unchanged against a Flask test client and a live URL.

A probe sends real requests through an :class:`~deploycheck.checklist.http_targets.HttpTarget` and
returns findings (an empty list means the property held), so the same function backs the unit
test, the container test and the meta-test that proves it can fail. The last two probes look
at data, not HTTP: a text (container logs) and raw database rows.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping

from cryptography.fernet import Fernet, InvalidToken

from deploycheck.checklist.http_targets import HttpTarget, ProbeResponse
from deploycheck.findings import Finding

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def cookie_attributes(line: str) -> tuple[str, dict[str, str]]:
    """``("session", {"secure": "", "httponly": "", "samesite": "Lax", ...})`` for a
    Set-Cookie line; attribute names lower-cased."""
    name_value, *attributes = (part.strip() for part in line.split(";"))
    parsed = {}
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        parsed[key.strip().lower()] = value.strip()
    return name_value.split("=", 1)[0], parsed


def check_session_cookie(
    target: HttpTarget, path: str = "/login", cookie: str = "session"
) -> list[Finding]:
    """PRB001: a page that starts a session sets the cookie ``Secure; HttpOnly; SameSite=Lax``."""
    target.forget_cookies()
    response = target.request("GET", path)
    lines = [line for line in response.set_cookies if cookie_attributes(line)[0] == cookie]
    if not lines:
        return [_finding(target, "PRB001", f"GET {path} set no {cookie!r} cookie")]
    _, attributes = cookie_attributes(lines[-1])
    missing = [flag for flag in ("secure", "httponly") if flag not in attributes]
    if attributes.get("samesite", "").lower() != "lax":
        missing.append("SameSite=Lax")
    if not missing:
        return []
    return [
        _finding(
            target,
            "PRB001",
            f"the {cookie!r} cookie from GET {path} lacks {', '.join(missing)}: {lines[-1]}",
        )
    ]


def preflight(target: HttpTarget, path: str, origin: str) -> ProbeResponse:
    """A browser's CORS preflight for a JSON POST with a bearer token."""
    return target.request(
        "OPTIONS",
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )


def check_cors(
    target: HttpTarget, path: str, allowed: str, refused: Iterable[str]
) -> list[Finding]:
    """PRB002: a preflight from ``allowed`` is echoed back; PRB003: one from any ``refused``
    origin gets no ``Access-Control-Allow-Origin`` (neither the origin nor ``*``)."""
    findings = []
    granted = preflight(target, path, allowed).header("Access-Control-Allow-Origin")
    if granted != allowed:
        findings.append(
            _finding(
                target,
                "PRB002",
                f"preflight OPTIONS {path} from {allowed} got Access-Control-Allow-Origin "
                f"{granted!r}, expected the origin echoed",
            )
        )
    for origin in refused:
        granted = preflight(target, path, origin).header("Access-Control-Allow-Origin")
        if granted is not None:
            findings.append(
                _finding(
                    target,
                    "PRB003",
                    f"preflight OPTIONS {path} from {origin} was allowed "
                    f"(Access-Control-Allow-Origin: {granted})",
                )
            )
    return findings


def check_csrf(target: HttpTarget, path: str, fields: Mapping[str, str]) -> list[Finding]:
    """PRB004: a form POST without a CSRF token is rejected with 400; PRB005: the same POST
    with the token from the form page is accepted (so the rejection is about the token)."""
    findings = []
    target.forget_cookies()
    target.request("GET", path)
    bare = target.request("POST", path, data=fields)
    if bare.status != 400:
        findings.append(
            _finding(
                target,
                "PRB004",
                f"POST {path} without a CSRF token answered {bare.status}, expected 400",
            )
        )
    match = CSRF_FIELD.search(target.request("GET", path).text)
    if match is None:
        return [*findings, _finding(target, "PRB005", f"GET {path} shows no csrf_token field")]
    accepted = target.request("POST", path, data={**fields, "csrf_token": match.group(1)})
    if accepted.status == 400:
        findings.append(
            _finding(target, "PRB005", f"POST {path} with its CSRF token was rejected (400)")
        )
    return findings


def check_rate_limit(
    target: HttpTarget,
    method: str,
    path: str,
    limit: int,
    *,
    headers: Mapping[str, str] | None = None,
    json: object = None,
) -> list[Finding]:
    """PRB006: ``limit`` requests pass and request ``limit + 1`` is answered 429, not earlier
    and not later (a later 429 means counts are not shared, e.g. per worker)."""
    statuses = [
        target.request(method, path, headers=headers, json=json).status for _ in range(limit + 1)
    ]
    early = [n for n, status in enumerate(statuses[:-1], 1) if status == 429]
    if early:
        return [
            _finding(target, "PRB006", f"{method} {path}: 429 at request {early[0]} of {limit}")
        ]
    if statuses[-1] != 429:
        return [
            _finding(
                target,
                "PRB006",
                f"{method} {path}: request {limit + 1} answered {statuses[-1]}, expected 429 "
                f"after the limit of {limit} (statuses: {statuses})",
            )
        ]
    return []


def check_secrets_absent(text: str, secrets: Mapping[str, str], where: str) -> list[Finding]:
    """PRB007: none of the named secret values appears in ``text``, at the line it is on."""
    findings = []
    for number, line in enumerate(text.splitlines(), 1):
        for name, value in secrets.items():
            if value and value in line:
                findings.append(Finding(where, number, "PRB007", f"{name} appears in plain text"))
    return findings


def encodings_of(token: str) -> dict[str, bytes]:
    """The token as stored by a careless app: raw, base64 (both alphabets) and hex."""
    raw = token.encode()
    return {
        "plain text": raw,
        "base64": base64.b64encode(raw),
        "urlsafe base64": base64.urlsafe_b64encode(raw),
        "hex": binascii.hexlify(raw),
    }


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def check_token_at_rest(
    token: str, rows: Iterable[Mapping[str, object]], right: Fernet, wrong: Fernet, where: str
) -> list[Finding]:
    """PRB008: no raw column holds the token in any encoding; PRB009: no column decrypts with
    a wrong key; PRB010: some column decrypts to the token with the right key (otherwise the
    check proved nothing)."""
    findings = []
    decrypted = False
    for row in rows:
        for column, value in row.items():
            stored = _as_bytes(value)
            for encoding, form in encodings_of(token).items():
                if form in stored:
                    findings.append(
                        Finding(
                            where, None, "PRB008", f"column {column} holds the token ({encoding})"
                        )
                    )
            if _decrypts(wrong, stored) is not None:
                findings.append(
                    Finding(where, None, "PRB009", f"column {column} decrypts with a wrong key")
                )
            decrypted = decrypted or _decrypts(right, stored) == token.encode()
    if not decrypted:
        findings.append(
            Finding(where, None, "PRB010", "no column decrypts to the token with the right key")
        )
    return findings


def _decrypts(fernet: Fernet, stored: bytes) -> bytes | None:
    try:
        return fernet.decrypt(stored)
    except (InvalidToken, ValueError, TypeError):
        return None


def _finding(target: HttpTarget, rule_id: str, message: str) -> Finding:
    return Finding(target.where, None, rule_id, message)
