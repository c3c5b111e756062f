"""The one heuristic for "this literal value is a secret", shared by every rule that asks.

The Blueprint's env values (RB010, RB011), a Dockerfile's ENV and ARG defaults (DF010), the
image's env, history and layer files (IMG007, IMG009) and the build context's env files (DI002)
ask the same questions, answered here, with names judged by :mod:`deploycheck.secret_names` and
stand-ins (``changeme``) recognised by :mod:`deploycheck.placeholders`:

- a URL with a password is a credential unless it is documentation or a local default: a
  placeholder part (``user:password@host:port/name``, ``${DB_PASSWORD}``), or a loopback host
  with a password nobody would call random (``postgres:postgres@localhost``);
- a token a provider issues (GitHub, AWS, Stripe, a private key block...) is found by
  detect-secrets' own regex plugins;
- a token-like string is random when detect-secrets' entropy says so: base64/URL-safe above 4.0
  bits per character, hex (how ``secrets.token_hex`` makes keys) only under a secret's name,
  since alone it is nearly always a commit SHA or a digest;
- a value under a secret's name (:mod:`deploycheck.secret_names`) is a secret unless it cannot
  be one: a flag or number (``GOOGLE_API_KEY=no``), a template, a file path, an algorithm name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

from detect_secrets.filters.heuristic import (
    is_potential_uuid,
    is_prefixed_with_dollar_sign,
    is_sequential_string,
    is_templated_secret,
)
from detect_secrets.plugins import (
    artifactory,
    aws,
    azure_storage_key,
    discord,
    github_token,
    gitlab_token,
    jwt,
    mailchimp,
    npm,
    openai,
    private_key,
    pypi_token,
    sendgrid,
    slack,
    square_oauth,
    stripe,
    telegram_token,
    twilio,
)
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
)

from deploycheck.secret_names import is_count_name, is_secret_name

# user:password@ after a scheme; `redis://cache:6379` (no @) is no password.
URL_WITH_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I)
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>`]+", re.I)
# Token-like literals only: URLs, sentences and paths carry other characters and are skipped.
_TOKEN = re.compile(r"^[A-Za-z0-9+/=_\-]{20,}$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
# Four or more lower-case words joined by _ or -: a sentence, such as the placeholder
# configure_cloudinary_to_enable_uploaded_images (render-examples/forem), never a random key.
_SENTENCE = re.compile(r"^[a-z]+(?:[_-][a-z]+){3,}$")
# Bits per character above which a token-like string is probably random. detect-secrets uses
# 4.5 for base64 over long strings; 20-40 character keys top out lower, hence 4.0.
TOKEN_ENTROPY = 4.0
# secrets.token_hex(16), the shortest key Flask's docs and this project's hint generate.
MIN_HEX_KEY_DIGITS = 32
_HEX_PLUGIN = HexHighEntropyString()
# Its charset covers every character _TOKEN admits, so its entropy counts the whole string.
_BASE64 = Base64HighEntropyString()
# detect-secrets' detectors of tokens a provider issues, each a regex with no keyword guessing
# (its KeywordDetector and entropy plugins are what this module replaces with name and value
# judgement; BasicAuthDetector with the URL rules below).
PROVIDER_DETECTORS = tuple(
    plugin()
    for plugin in (
        artifactory.ArtifactoryDetector,
        aws.AWSKeyDetector,
        azure_storage_key.AzureStorageKeyDetector,
        discord.DiscordBotTokenDetector,
        github_token.GitHubTokenDetector,
        gitlab_token.GitLabTokenDetector,
        jwt.JwtTokenDetector,
        mailchimp.MailchimpDetector,
        npm.NpmDetector,
        openai.OpenAIDetector,
        private_key.PrivateKeyDetector,
        pypi_token.PypiTokenDetector,
        sendgrid.SendGridDetector,
        slack.SlackDetector,
        square_oauth.SquareOAuthDetector,
        stripe.StripeDetector,
        telegram_token.TelegramBotTokenDetector,
        twilio.TwilioKeyDetector,
    )
)

# Values that switch something or count something, never a credential.
_FLAGS = frozenset(
    {"yes", "no", "true", "false", "on", "off", "none", "null", "nil", "enabled", "disabled"}
    | {"enable", "disable", "required", "optional", "auto", "default", "unset", "empty"}
)
# Up to four digits: a flag, a count or a port; longer numbers may be PINs.
_NUMBER = re.compile(r"^[+-]?\d{1,4}(\.\d+)?[smhdkKMG]?$")
# A count under a name that counts (MAX_TOKENS=128000): an integer, at most nine digits.
_COUNT = re.compile(r"^\d{1,9}$")
# Where a secret is kept, not the secret: an absolute, home or relative path, a file: URL, a
# Windows path, or a bare file name of a key or certificate.
_PATH = re.compile(
    r"^(/|\./|\.\./|~/|file:|[A-Za-z]:\\)|^[\w.-]+\.(pem|key|crt|cer|der|p12|pfx|jks|json|txt)$"
)
# Signing and cipher algorithm names (JWT's "alg" values, digests, ciphers).
_ALGORITHM = re.compile(
    r"^((HS|RS|ES|PS)(256|384|512)|EdDSA|none|(sha|md)-?\d+|aes-?\d+(-\w+)?|rsa(-\w+)?|ed25519"
    r"|x25519|hmac-?sha-?\d+|bcrypt|argon2(id|i|d)?|scrypt|pbkdf2(_sha\d+)?|plain|basic|bearer)$",
    re.I,
)
# Placeholders people write where a secret goes: ***, xxx, ..., <your-key>, %(password)s.
_FILLER = re.compile(r"^([*xX.#_-])\1{2,}$|^%\(?\w*\)?s$|^\{\{.*\}\}$")
# Host names and ports that only ever stand for a real one in documentation (RFC 2606/6761).
_PLACEHOLDER_HOSTS = frozenset({"host", "hostname", "server", "your-host", "yourhost", "domain"})
_PLACEHOLDER_TLDS = (".example", ".invalid")
# The user and password documentation writes in a URL's shape: ``user:password@``.
_PLACEHOLDER_USERS = frozenset({"user", "username", "usr", "login", "name"})
_PLACEHOLDER_PASSWORDS = frozenset({"password", "pass", "passwd", "pwd", "secret", "changeme"})
_LOOPBACK = re.compile(r"^(localhost|127(\.\d{1,3}){3}|::1|0\.0\.0\.0|host\.docker\.internal)$")
# Passwords of local databases and tutorials: public by being everyone's default.
DEV_PASSWORDS = frozenset(
    {"postgres", "password", "pass", "secret", "test", "testing", "dev", "development"}
    | {"changeme", "example", "root", "admin", "guest", "mysecretpassword", "docker", "user"}
)


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character (detect-secrets' calculation)."""
    return _BASE64.calculate_shannon_entropy(text) if text else 0.0


def is_template(value: str) -> bool:
    """A reference filled in elsewhere: ``${VAR}``, ``$VAR``, ``{{ var }}``, ``<key>``, ``%s``."""
    text = value.strip()
    return (
        not text
        or is_templated_secret(text)
        or is_prefixed_with_dollar_sign(text)
        or bool(_FILLER.match(text))
    )


def cannot_be_secret(value: str) -> bool:
    """A value no secret has the shape of, whatever its variable is called."""
    text = value.strip().strip("\"'")
    return (
        is_template(text)
        or text.lower() in _FLAGS
        or bool(_NUMBER.match(text))
        or bool(_PATH.match(text))
        or bool(_ALGORITHM.match(text))
    )


def provider_token(text: str) -> str | None:
    """The kind of provider-issued token (``GitHub Token``...) in ``text``, or None."""
    for detector in PROVIDER_DETECTORS:
        for match in detector.analyze_string(text):
            if "EXAMPLE" not in match.upper() and not is_sequential_string(match):
                return f"a {detector.secret_type}"
    return None


def random_token(value: str, *, hex_counts: bool = False) -> str | None:
    """Why a token-like ``value`` is random enough to be a key, or None. Hex strings count only
    when ``hex_counts`` (the value sits under a secret's name) and are 32 digits or more."""
    if not _TOKEN.match(value) or is_potential_uuid(value) or is_sequential_string(value):
        return None
    if _SENTENCE.match(value):
        return None
    bits = entropy(value)
    if _HEX.match(value):
        long_enough = len(value) >= MIN_HEX_KEY_DIGITS
        if hex_counts and long_enough and bits > _HEX_PLUGIN.entropy_limit:
            return f"a {len(value)}-digit hex key"
        return None
    if bits > TOKEN_ENTROPY:
        return f"a random-looking string ({bits:.1f} bits/char)"
    return None


def _is_placeholder_host(host: str) -> bool:
    return host in _PLACEHOLDER_HOSTS or host.endswith(_PLACEHOLDER_TLDS) or "<" in host


def url_credential(text: str, *, shipped: bool = True) -> str | None:
    """Why a URL in ``text`` carries a real credential, or None.

    Not one: a placeholder part (``user:password@host:port/name`` in help text, a ``${...}``
    password, a ``.invalid`` host), or a password nobody would call random on a loopback
    host, or (outside what ships, ``shipped=False``) a well-known default password anywhere.
    A key in the user part (``https://<key>@sentry.io/1``) or in the query counts too.
    """
    for match in _URL.finditer(text):
        reason = _one_url(match.group(0).rstrip(".,;)]}"), shipped)
        if reason:
            return reason
    return None


def _one_url(url: str, shipped: bool) -> str | None:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on `host:port`, a placeholder port
    except ValueError:
        return None
    if _is_placeholder_host(host):
        return None
    for name, value in parse_qsl(parts.query):
        if is_secret_name(name) and (why := judge_value(value, hex_counts=True)):
            return f"a URL whose {name} parameter is {why}"
    password, user = parts.password, parts.username
    if password is None:
        if user and random_token(user, hex_counts=True):
            return "a URL with a key as its user"
        return None
    if is_template(password) or (user and is_template(user)) or cannot_be_secret(password):
        return None
    if (user or "").lower() in _PLACEHOLDER_USERS and password.lower() in _PLACEHOLDER_PASSWORDS:
        return None
    weak = password.lower() in DEV_PASSWORDS or password == user
    if _LOOPBACK.match(host) and not random_token(password, hex_counts=True):
        return None
    if weak and not shipped:
        return None
    return "a URL with an embedded password"


def judge_value(value: str, *, hex_counts: bool = False, shipped: bool = True) -> str | None:
    """Why ``value`` is a secret whatever its name, or None: a URL credential, a provider's
    token, or a random-looking string (hex only when ``hex_counts``)."""
    text = value.strip()
    if cannot_be_secret(text):
        return None
    return (
        url_credential(text, shipped=shipped)
        or provider_token(text)
        or random_token(text, hex_counts=hex_counts)
    )


def literal_secret(name: str, value: object, *, shipped: bool = True) -> str | None:
    """Why a literal ``name=value`` is a committed secret, or None; never echoes the value.

    ``shipped`` says the value reaches what runs in production (the final stage of an image,
    a Blueprint): there a secret's name with any value that can be a secret is enough
    (``FLASK_SECRET_KEY=dev-secret-key`` runs production on a public key). Elsewhere (a
    builder stage) the value itself must look like a secret.
    """
    text = str(value).strip()
    secret_named = is_secret_name(name)
    if cannot_be_secret(text) or (is_count_name(name) and _COUNT.match(text.strip("\"'"))):
        return None
    found = judge_value(text, hex_counts=secret_named, shipped=shipped)
    if found:
        return f"its value is {found}"
    if secret_named and shipped and not _URL.match(text):
        return "its name marks a secret"
    return None


def secret_reason(value: object, name: str = "") -> str | None:
    """Why a literal value looks like a secret by itself, or None (RB011); a hex key counts
    only under a secret's ``name``."""
    return judge_value(str(value), hex_counts=is_secret_name(name))


def redact(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with each known secret and every URL password replaced by ``***``."""
    for secret in known:
        if secret:
            text = text.replace(secret, "***")
    return URL_WITH_PASSWORD.sub(lambda m: m.group(0).split(":", 1)[0] + "://***@", text)
