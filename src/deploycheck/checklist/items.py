"""The security checklist from DESIGN.md: one source of truth for the report, the pytest marker
and docs/reviewers.md. Items 1-9 are the seed's; 10 and 11 came from the security review
(issue 14).

Each item says what the suites prove automatically (tests marked ``@pytest.mark.checklist(N)``)
and what a reviewer must still confirm by hand, because it lives outside the repository (the
Render dashboard, the custom domain) or is managed by Render.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChecklistItem:
    """One checklist item: its number, wording, the automated evidence and the manual steps."""

    number: int
    title: str
    automated: str
    manual: tuple[str, ...]
    # The suites whose evidence the item needs: a unit test alone cannot show what the running
    # image does, so without the container suite such an item is not verified.
    suites: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "title": self.title,
            "automated": self.automated,
            "manual": list(self.manual),
            "suites": list(self.suites),
        }


ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        1,
        "All secrets set in the Render dashboard, none in `.env` or code",
        "detect-secrets scan of every file git would commit against `.secrets.baseline` "
        "(a new secret fails, naming file:line); no `.env` tracked by git; no secret-looking "
        "file in the image (IMG005) and no secret value in its env or `docker history` (IMG007).",
        (
            "In the Render dashboard, `API_TOKEN_ENCRYPTION_KEY` and `SENTRY_DSN` "
            "(`sync: false` in render.yaml) have values entered there, not pasted from a file "
            "in the repository.",
            "No secret is shared through an env group or a Render secret file that is not "
            "declared in render.yaml.",
        ),
        ("config", "container"),
    ),
    ChecklistItem(
        2,
        "`FLASK_SECRET_KEY` random, never `dev-secret-key`",
        "render.yaml generates it (`generateValue: true`, RB010/RB013); the production app "
        "refuses a missing, short or well-known key (`dev-secret-key`, `changeme`, ...).",
        (
            "The dashboard shows `FLASK_SECRET_KEY` as generated and nobody overrode it with a "
            "hand-typed value.",
        ),
        ("unit", "config"),
    ),
    ChecklistItem(
        3,
        "`SESSION_COOKIE_SECURE` true (HTTPS only)",
        'render.yaml sets it to `"true"` (RB014); the running container\'s session cookie is '
        "`Secure; HttpOnly; SameSite=Lax`; production refuses to start without it.",
        ("The service is reached only over HTTPS (Render's default; no plain-HTTP custom proxy).",),
        ("unit", "config", "container"),
    ),
    ChecklistItem(
        4,
        "Database password strong and unique",
        "No literal database credentials: render.yaml (RB010/RB011), docker-compose.yml "
        "(interpolation only) and the repository scan; `DATABASE_URL` comes `fromDatabase` "
        "(RB013), so Render generates the password.",
        (
            "The database password is Render-managed: confirm nobody set a manual override or "
            "reused it elsewhere.",
            "The database allows no outside connections (`ipAllowList: []` is kept in the "
            "dashboard).",
        ),
        ("config",),
    ),
    ChecklistItem(
        5,
        "API tokens encrypted at rest (`API_TOKEN_ENCRYPTION_KEY` set)",
        "With the real PostgreSQL, a created token's raw row holds neither the token nor its "
        "base64/hex form, a wrong key cannot decrypt it (Fernet InvalidToken) and the right key "
        "can; render.yaml declares the key (RB012) and production refuses to start without it.",
        (
            "`API_TOKEN_ENCRYPTION_KEY` in the dashboard is a generated Fernet key (or a long "
            "random passphrase) and is stored in the team's secret manager for recovery.",
        ),
        ("unit", "container"),
    ),
    ChecklistItem(
        6,
        "CORS limited to the production domain",
        "render.yaml lists explicit https origins, never `*` (RB015); against the running "
        "container a preflight from the production origin is allowed and one from another "
        "origin gets no `Access-Control-Allow-Origin`.",
        (
            "The CORS production domain matches the custom domain users reach (update "
            "`CORS_ORIGINS` in render.yaml when a custom domain is added).",
        ),
        ("unit", "config", "container"),
    ),
    ChecklistItem(
        7,
        "CSRF protection enabled",
        "A form POST without a CSRF token is rejected with 400 and one with a token is "
        "accepted, in the test client and against the running container.",
        (),
        ("unit", "container"),
    ),
    ChecklistItem(
        8,
        "Rate limiting enabled",
        "The limit triggers 429 in the app and through the built image running 3 gunicorn "
        "workers on the real Redis, at the configured total (counts shared, not per worker).",
        (
            "The limits in render.yaml (`RATELIMIT_DEFAULT`, `RATELIMIT_WRITE`) suit real "
            "traffic, and the dashboard does not override `RATELIMIT_ENABLED` to false.",
        ),
        ("unit", "container"),
    ),
    ChecklistItem(
        9,
        "Secrets never logged",
        "The image runs with known secret values; normal, failing (401, 404, 422) and error "
        "paths (a bearer header holding the token, a database URL with a password behind a "
        "failing health check) leave none of them in the container's stdout or stderr.",
        (
            "Any log sink or Sentry project attached in the dashboard keeps its default PII "
            "scrubbing on.",
        ),
        ("unit", "container"),
    ),
    ChecklistItem(
        10,
        "Student records are not readable without authentication",
        "Every GET route of the API in the URL map answers 401 without a valid bearer token, "
        "the pages redirect to the sign-in form, a `read` token can read but not write (403), "
        "an expired or revoked token and a signed-out session cookie are refused; the running "
        "container answers 401 to every API read and redirects every page without credentials, "
        "and serves them to a token from `flask create-token`.",
        (
            "Tokens handed out (`flask --app app list-tokens` in a Render shell) are the ones "
            "still needed, dashboards hold `read` tokens, and the rest are revoked "
            "(`revoke-token`).",
        ),
        ("unit", "container"),
    ),
    ChecklistItem(
        11,
        "Security headers on every page and API answer",
        "Flask-Talisman sets a Content-Security-Policy with `frame-ancestors 'none'`, "
        "`X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`, `Referrer-Policy` and, in "
        "production over HTTPS, `Strict-Transport-Security`; the running container sends them "
        "on a page, an API answer and /health, with no version in `Server`.",
        (
            "A custom domain, if added, is served over HTTPS only before HSTS preloading is "
            "considered.",
        ),
        ("unit", "container"),
    ),
)

BY_NUMBER: dict[int, ChecklistItem] = {item.number: item for item in ITEMS}


def item(number: int) -> ChecklistItem:
    """The item numbered ``number``; a ``KeyError`` names the valid range."""
    try:
        return BY_NUMBER[number]
    except KeyError:
        raise KeyError(f"no checklist item {number!r}; items are 1-{len(ITEMS)}") from None
