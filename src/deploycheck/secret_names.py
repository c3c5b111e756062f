"""One answer to "is this variable name a secret's?", shared by the Dockerfile, Blueprint,
compose and image rules so they cannot drift apart."""

from __future__ import annotations

import re

# Words that mark a secret anywhere in a name; KEY and DSN only as whole parts, so
# KEYBOARD_LAYOUT passes while API_KEY and SENTRY_DSN do not.
_SECRET_WORDS = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|APIKEY")
_SECRET_PARTS = frozenset({"KEY", "DSN"})
# GPG_KEY: the official python images set it to the public fingerprint of CPython's release
# manager. *_FILE names point at a mounted secret file (the Docker convention), not a value.
_PUBLIC_NAMES = frozenset({"GPG_KEY"})


def is_secret_name(name: str) -> bool:
    """Whether a literal value under ``name`` would be a committed secret."""
    upper = name.upper()
    if upper in _PUBLIC_NAMES or upper.endswith("_FILE"):
        return False
    return bool(_SECRET_WORDS.search(upper)) or bool(_SECRET_PARTS & set(upper.split("_")))
