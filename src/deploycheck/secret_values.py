"""The one heuristic for "this literal value is a secret", shared by every rule that asks.

The Blueprint's env values (RB011), a Dockerfile's ENV and ARG defaults (DF010) and the image's
``docker history`` (IMG007) all ask the same two questions: does the text carry a URL with a
password, and is a token-like value random enough to be a key? Randomness is measured with
detect-secrets' entropy calculation: a token-like string (20 or more base64/URL-safe
characters) above 4.0 bits per character, or a hex string above detect-secrets' own hex limit.
Names that mark a secret are :mod:`deploycheck.secret_names`' question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
)

# user:password@ after a scheme; `redis://cache:6379` (no @) is no password.
URL_WITH_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I)
# Token-like literals only: URLs, sentences and paths carry other characters and are skipped.
_TOKEN = re.compile(r"^[A-Za-z0-9+/=_\-]{20,}$")
# Bits per character above which a token-like string is probably random. detect-secrets uses
# 4.5 for base64 over long strings; 20-40 character keys top out lower, hence 4.0.
TOKEN_ENTROPY = 4.0
_HEX = HexHighEntropyString()
# Its charset covers every character _TOKEN admits, so its entropy counts the whole string.
_BASE64 = Base64HighEntropyString()


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character (detect-secrets' calculation)."""
    return _BASE64.calculate_shannon_entropy(text) if text else 0.0


def secret_reason(value: object) -> str | None:
    """Why a literal value looks like a secret, or ``None``; never echoes the value."""
    text = str(value)
    if URL_WITH_PASSWORD.search(text):
        return "a URL with an embedded password"
    if not _TOKEN.match(text):
        return None
    bits = entropy(text)
    is_hex = set(text.lower()) <= set(_HEX.charset)
    if bits > TOKEN_ENTROPY or (is_hex and bits > _HEX.entropy_limit):
        return f"a random-looking string ({bits:.1f} bits/char)"
    return None


def redact(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with each known secret and every URL password replaced by ``***``."""
    for secret in known:
        if secret:
            text = text.replace(secret, "***")
    return URL_WITH_PASSWORD.sub(lambda m: m.group(0).split(":", 1)[0] + "://***@", text)
