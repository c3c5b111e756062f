"""One answer to "is this variable name a secret's?", shared by the Dockerfile, Blueprint,
compose and image rules so they cannot drift apart."""

from __future__ import annotations

import re

# Words that mark a secret inside a part of a name (CLIENTSECRET, ACCESSTOKEN, camelCase apiKey);
# TOKEN only at a part's end, so TOKENIZERS_PARALLELISM passes. KEY, DSN and PASS only as whole
# parts, so KEYBOARD_LAYOUT and PASSENGER_COUNT pass while API_KEY and SENTRY_DSN do not.
_SECRET_WORDS = re.compile(r"SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|APIKEY|TOKENS?$")
_SECRET_PARTS = frozenset({"KEY", "DSN", "PASS"})
# GPG_KEY: the official python images set it to the public fingerprint of CPython's release
# manager; a name with GPG or PGP in it holds key ids or fingerprints (php's GPG_KEYS), which
# identify a public key to verify a download with.
_PUBLIC_NAMES = frozenset({"GPG_KEY"})
_PUBLIC_PARTS = frozenset({"GPG", "PGP", "GNUPG"})
# A last part that says the value is about a secret, not the secret: where it is
# (SSH_KEY_PATH, POSTGRES_PASSWORD_FILE, the Docker convention for a mounted secret), which one
# (AWS_ACCESS_KEY_ID, GPG_KEY_ID, a public key fingerprint NODESOURCE_KEY_FPR), or how it is
# used (AUTH0_TOKEN_SIGN_ALG=RS256, JWT_TOKEN_EXPIRY=3600, API_KEY_HEADER=X-Api-Key).
_ABOUT_A_SECRET = frozenset(
    {
        "ID",
        "IDS",
        "KEYID",
        "KEYIDS",
        "FPR",
        "FPRS",
        "FINGERPRINT",
        "FINGERPRINTS",
        "PATH",
        "FILE",
        "DIR",
        "NAME",
        "ALG",
        "ALGORITHM",
        "TYPE",
        "HEADER",
        "LENGTH",
        "SIZE",
        "BITS",
        "TTL",
        "EXPIRY",
        "EXPIRES",
        "LIFETIME",
        "TIMEOUT",
        "PREFIX",
        "FORMAT",
        "ISSUER",
        "AUDIENCE",
        "SCOPE",
        "SCOPES",
        "ENDPOINT",
        "URL",
        "URI",
        "HOST",
        "PORT",
        "REGION",
        "VERSION",
        "ENABLED",
        "REQUIRED",
    }
)


def _parts(name: str) -> list[str]:
    return [part for part in re.split(r"[^A-Z0-9]+", name.upper()) if part]


def is_secret_name(name: str) -> bool:
    """Whether a literal value under ``name`` would be a committed secret."""
    upper = name.upper()
    parts = _parts(upper)
    if upper in _PUBLIC_NAMES or not parts or parts[-1] in _ABOUT_A_SECRET:
        return False
    if _PUBLIC_PARTS & set(parts):
        return False
    return any(_SECRET_WORDS.search(part) for part in parts) or bool(_SECRET_PARTS & set(parts))


# A part that makes the name a count or a limit, not a secret: an LLM's MAX_TOKENS=2000
# (render-examples/logfire-pydantic), TOKENS_PER_MINUTE=90000, TOKEN_LIMIT=1000000.
_COUNT_PARTS = frozenset(
    {"MAX", "MIN", "LIMIT", "LIMITS", "PER", "COUNT", "NUM", "BUDGET", "QUOTA", "RATE", "TOKENS"}
)


def is_count_name(name: str) -> bool:
    """Whether ``name`` counts or limits what its secret word names (``MAX_TOKENS``): an integer
    under it is a number, not a secret."""
    return bool(_COUNT_PARTS & set(_parts(name)))
