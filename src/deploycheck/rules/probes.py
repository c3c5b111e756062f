"""PRB: the security probes' ids. The probes live in :mod:`deploycheck.checklist.probes`, where
one function may report two or three of these ids, so the ids are declared here."""

from __future__ import annotations

from deploycheck.registry import declare

declare(
    "PRB001",
    """A page that starts a session sets its cookie ``Secure; HttpOnly; SameSite=Lax``.

    Passes: ``Set-Cookie: session=...; Secure; HttpOnly; Path=/; SameSite=Lax`` on GET /login
    Fails:  the same cookie without ``Secure`` (``SESSION_COOKIE_SECURE=False``)
    """,
    target="http",
)
declare(
    "PRB002",
    """A CORS preflight from the allowed origin gets that origin echoed back.

    Passes: ``Access-Control-Allow-Origin: https://example-app.example`` for that origin
    Fails:  no ``Access-Control-Allow-Origin`` for the production origin
    """,
    target="http",
)
declare(
    "PRB003",
    """A CORS preflight from any other origin gets no ``Access-Control-Allow-Origin``.

    Passes: no such header for ``https://evil.example``
    Fails:  ``Access-Control-Allow-Origin: *`` (``CORS_ORIGINS='*'``)
    """,
    target="http",
)
declare(
    "PRB004",
    """A form POST without a CSRF token is rejected with 400.

    Passes: POST /login without ``csrf_token`` answers 400
    Fails:  it answers 200 or 302 (``WTF_CSRF_ENABLED=False``)
    """,
    target="http",
)
declare(
    "PRB005",
    """The same form POST with the page's CSRF token is accepted (so 400 is about the token).

    Passes: POST /login with the ``csrf_token`` from GET /login is not answered 400
    Fails:  the form shows no ``csrf_token`` field, or the token is rejected
    """,
    target="http",
)
declare(
    "PRB006",
    """Exactly ``limit`` requests pass and the next is answered 429, not earlier or later.

    Passes: 10 logins answered 401, the 11th 429
    Fails:  the 11th answered 401 (``RATELIMIT_ENABLED=False``, or counts kept per worker)
    """,
    target="http",
)
declare(
    "PRB007",
    """No secret value appears in the text (the container's logs), at the line it is on.

    Passes: ``token=***`` in the log line (``RedactingFilter`` at work)
    Fails:  the raw ``FLASK_SECRET_KEY`` value in a log line
    """,
    target="logs",
)
declare(
    "PRB008",
    """No database column holds the API token in plain text, base64 or hex.

    Passes: the column holds a Fernet token
    Fails:  the column holds ``gt_...`` as typed, or its base64
    """,
    target="database",
)
declare(
    "PRB009",
    """No database column decrypts with a wrong key.

    Passes: ``Fernet(wrong_key).decrypt(value)`` raises ``InvalidToken``
    Fails:  the value was encrypted with a key everyone knows
    """,
    target="database",
)
declare(
    "PRB010",
    """Some database column decrypts to the API token with the right key.

    Passes: ``Fernet(API_TOKEN_ENCRYPTION_KEY).decrypt(value)`` gives the token back
    Fails:  no column does (the check above would then have proved nothing)
    """,
    target="database",
)
declare(
    "PRB011",
    """An API read without a bearer token is answered 401 (student records are not public).

    Passes: GET /api/v1/students without ``Authorization`` answers 401
    Fails:  it answers 200 with the students' names and emails
    """,
    target="http",
)
declare(
    "PRB012",
    """A page without a signed-in session redirects to the sign-in form.

    Passes: GET /students/1 answers 302 to /login
    Fails:  it answers 200 with the student's report
    """,
    target="http",
)
declare(
    "PRB013",
    """The same API read with a valid token is answered 200 (so the 401 is about the token).

    Passes: GET /api/v1/students with a token from ``flask create-token`` answers 200
    Fails:  it answers 401 or 404 too (the probe would then prove nothing)
    """,
    target="http",
)
declare(
    "PRB016",
    """A record read with another user's token is answered 404 (records are not readable by
    another teacher).

    Passes: GET /api/v1/courses/1/summary with a second teacher's token answers 404
    Fails:  it answers 200 with the first teacher's class (a cached report served to anyone)
    """,
    target="http",
)
declare(
    "PRB017",
    """The same record read with its owner's token is answered 200 (so the 404 is about whose
    it is).

    Passes: GET /api/v1/courses/1/summary with the course teacher's token answers 200
    Fails:  it answers 404 too (the probe would then prove nothing)
    """,
    target="http",
)
declare(
    "PRB014",
    """Every answer carries the security headers with safe values (and HSTS where expected).

    Passes: ``Content-Security-Policy: ...; frame-ancestors 'none'``, ``X-Frame-Options: DENY``,
    ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``
    Fails:  no ``Content-Security-Policy`` (the signed-in form pages can be framed)
    """,
    target="http",
)
declare(
    "PRB015",
    """The ``Server`` header names no version.

    Passes: ``Server: gunicorn``
    Fails:  ``Server: Werkzeug/3.1.9 Python/3.11.2``
    """,
    target="http",
)
