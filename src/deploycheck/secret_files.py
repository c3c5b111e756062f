"""The one list of files that hold secrets by their kind, shared by the build context (DI002)
and the image's files (IMG005) so the two cannot drift apart.

A file's name says what it may hold; what it does hold is for the caller to judge where it can
read the content: a ``.pem`` counts when it holds a private key (a certificate is public),
``.npmrc`` when it carries an auth token, an env file when a secret-named variable has a value.
Templates that document names with placeholder values (``.env.example``) are never one.
"""

from __future__ import annotations

import re

KEY_STORE, PRIVATE_KEY, ENV_FILE, CREDENTIALS, SECRETS = (
    "key store",
    "private key",
    "env file",
    "credential file",
    "secrets file",
)
_TEMPLATE = re.compile(r".*\.(example|sample|template|dist|defaults?)")
# Key stores hold private keys by design (PKCS#12, Java key stores): their name is enough.
_KEY_STORES = re.compile(r".*\.(p12|pfx|jks|keystore)")
_KEY_NAMES = re.compile(r".*\.(pem|key)|id_(rsa|dsa|ecdsa|ed25519)")
_ENV_FILES = re.compile(r"\.env(\..+)?|.+\.env")
# detect-secrets' .secrets.baseline holds hashes, not secrets.
_SECRETS_FILES = re.compile(r"\.secrets(?!\.baseline$).*")
# Credential files and the line that makes them one (a token, a password), per file name.
CREDENTIAL_LINES = {
    ".npmrc": re.compile(rb"_auth(Token)?\s*=\s*[^\s$]|_password\s*=\s*[^\s$]"),
    ".yarnrc.yml": re.compile(rb"npmAuth(Token|Ident)\s*:\s*[\"']?[^\s\"'$]"),
    ".pypirc": re.compile(rb"(?m)^\s*password\s*[=:]\s*\S"),
    ".netrc": re.compile(rb"\bpassword\s+\S"),
    ".git-credentials": re.compile(rb"://[^/\s:@]+:[^/\s@]+@"),
    ".pgpass": re.compile(rb"(?m)^[^#\s][^:\n]*:[^:\n]*:[^:\n]*:[^:\n]*:\S"),
    "credentials": re.compile(rb"aws_secret_access_key\s*="),
    "config.json": re.compile(rb"\"auth\"\s*:\s*\"[^\"]"),
}
# Names that are credentials only in their tool's folder: .aws/credentials, .docker/config.json.
_TOOL_DIRS = {"credentials": ".aws", "config.json": ".docker"}
PRIVATE_KEY_BLOCK = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
# A service-account or OAuth client file: JSON with a private key in it.
JSON_KEY = re.compile(rb"\"private_key\"\s*:\s*\"-----BEGIN")


def secret_file_kind(path: str) -> str | None:
    """What a file at ``path`` (relative, ``/``-separated) may hold by its name: one of the
    kinds above, or None for a template and any other name."""
    parent, _, name = path.rpartition("/")
    if _TEMPLATE.fullmatch(name):
        return None
    if _KEY_STORES.fullmatch(name):
        return KEY_STORE
    if _KEY_NAMES.fullmatch(name):
        return PRIVATE_KEY
    if _ENV_FILES.fullmatch(name):
        return ENV_FILE
    if name in CREDENTIAL_LINES:
        tool_dir = _TOOL_DIRS.get(name)
        if tool_dir is None or parent.rpartition("/")[2] == tool_dir:
            return CREDENTIALS
        return None
    if _SECRETS_FILES.fullmatch(name):
        return SECRETS
    return None
