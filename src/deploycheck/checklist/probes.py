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


def check_reads_need_auth(
    target: HttpTarget, api_paths: Iterable[str], page_paths: Iterable[str], token: str
) -> list[Finding]:
    """PRB011: an API read without a bearer token is answered 401; PRB012: a page without a
    session redirects to the sign-in form; PRB013: the same API read with ``token`` is answered
    200 (so the 401 was about the credential, not a broken route)."""
    findings = []
    target.forget_cookies()
    bearer = {"Authorization": f"Bearer {token}"}
    for path in api_paths:
        bare = target.request("GET", path)
        if bare.status != 401:
            findings.append(
                _finding(target, "PRB011", f"GET {path} without a token answered {bare.status}")
            )
        granted = target.request("GET", path, headers=bearer).status
        if granted != 200:
            findings.append(
                _finding(target, "PRB013", f"GET {path} with a valid token answered {granted}")
            )
    for path in page_paths:
        page = target.request("GET", path)
        location = page.header("Location") or ""
        if page.status not in (302, 303) or not location.endswith("/login"):
            findings.append(
                _finding(
                    target,
                    "PRB012",
                    f"GET {path} without a session answered {page.status} "
                    f"{location or '(no Location)'}, expected a redirect to /login",
                )
            )
    return findings


def check_reads_owned(
    target: HttpTarget, record_paths: Iterable[str], owner_token: str, other_token: str
) -> list[Finding]:
    """PRB016: a record read with another user's token is answered 404, as a record that does
    not exist; PRB017: the same read with its owner's token is answered 200 (so the 404 is about
    whose it is). The owner reads first, so a read the app answers from a cache is tried too."""
    findings = []
    target.forget_cookies()
    for path in record_paths:
        owned = target.request("GET", path, headers={"Authorization": f"Bearer {owner_token}"})
        if owned.status != 200:
            findings.append(
                _finding(
                    target, "PRB017", f"GET {path} with its owner's token answered {owned.status}"
                )
            )
        other = target.request("GET", path, headers={"Authorization": f"Bearer {other_token}"})
        if other.status != 404:
            findings.append(
                _finding(
                    target,
                    "PRB016",
                    f"GET {path} with another user's token answered {other.status}, expected 404",
                )
            )
    return findings


# Header -> a check of its value and what was expected, for check_security_headers.
SECURITY_HEADERS: dict[str, tuple[re.Pattern[str], str]] = {
    "Content-Security-Policy": (
        re.compile(r"(^|;)\s*frame-ancestors 'none'\s*(;|$)"),
        "a policy with frame-ancestors 'none'",
    ),
    "X-Frame-Options": (re.compile(r"^DENY$", re.IGNORECASE), "DENY"),
    "X-Content-Type-Options": (re.compile(r"^nosniff$", re.IGNORECASE), "nosniff"),
    "Referrer-Policy": (
        re.compile(r"^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$"),
        "a policy that keeps page URLs from other sites",
    ),
}
HSTS = re.compile(r"max-age=(\d+)")
# "gunicorn" is fine; "gunicorn/23.0.0" or "Werkzeug/3.1 Python/3.11" tells attackers what to try.
VERSIONED_SERVER = re.compile(r"/\s*\d")


def check_security_headers(
    target: HttpTarget,
    paths: Iterable[str],
    *,
    hsts: bool,
    headers: Mapping[str, str] | None = None,
) -> list[Finding]:
    """PRB014: each response carries the security headers with safe values (and, with
    ``hsts``, ``Strict-Transport-Security`` of at least 180 days); PRB015: its ``Server``
    header names no version."""
    findings = []
    for path in paths:
        response = target.request("GET", path, headers=headers)
        for name, (pattern, expected) in SECURITY_HEADERS.items():
            value = response.header(name)
            if value is None or not pattern.search(value):
                findings.append(
                    _finding(
                        target,
                        "PRB014",
                        f"GET {path}: {name} is {value!r}, expected {expected}",
                    )
                )
        if hsts:
            value = response.header("Strict-Transport-Security") or ""
            match = HSTS.search(value)
            if match is None or int(match.group(1)) < 180 * 24 * 3600:
                findings.append(
                    _finding(
                        target,
                        "PRB014",
                        f"GET {path}: Strict-Transport-Security is {value or None!r}, expected "
                        "max-age of at least 180 days",
                    )
                )
        server = response.header("Server")
        if server is not None and VERSIONED_SERVER.search(server):
            findings.append(
                _finding(target, "PRB015", f"GET {path}: Server header names a version: {server}")
            )
    return findings


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
