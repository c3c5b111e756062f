"""Secrets in free text: a file a build step wrote, or a command line in ``docker history``.

Each question about one value is :mod:`deploycheck.secret_values`'; this module finds the
values worth asking about. In a file that is an assignment to a secret's name in any of the
shapes env, shell, Python, INI, YAML, JSON and command-line flags share
(``FLASK_SECRET_KEY=<hex>``, ``"apiKey": "..."``, ``--password ...``), a URL with a credential,
a provider's token, or the whole content of a file named like a secret (``/tmp/deploy-token``).
A random-looking string with no name beside it is not enough in a file (certificates, hashes
and minified code are full of them), but is in a command line, where a person typed it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from deploycheck.secret_names import is_secret_name
from deploycheck.secret_values import judge_value, provider_token, random_token, url_credential

_VALUE = r"""(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s"',;(){}\[\]]+))"""
# NAME=value, export NAME="value", NAME: value, "NAME": "value", --name=value; the value ends at
# whitespace unless quoted, and at a quote, comma or bracket.
_ASSIGNMENT = re.compile(
    r"""(?:^|[\s{,;(\[-])["']?(?P<name>[A-Za-z_][\w.-]*)["']?[ \t]*[=:][ \t]*""" + _VALUE, re.M
)
# --name value, a command-line flag and its argument.
_FLAG = re.compile(r"""(?:^|\s)--?(?P<name>[A-Za-z][\w-]*)[ \t]+""" + _VALUE, re.M)
# Words of a command line, split where shells and config files separate values.
_SEPARATORS = re.compile(r"[\s=:\"',;()\[\]{}<>]+")
# One-case words with separators are identifiers (SQLALCHEMY_TRACK_MODIFICATIONS), not keys.
_IDENTIFIER = re.compile(r"[A-Z0-9_\-]+|[a-z0-9_\-]+")


def assignments(text: str) -> Iterator[tuple[str, str]]:
    """``(name, value)`` for every assignment-shaped pair in ``text``."""
    for match in (*_ASSIGNMENT.finditer(text), *_FLAG.finditer(text)):
        value = match.group("dq") or match.group("sq") or match.group("bare") or ""
        yield match.group("name"), value


def secret_in_text(
    text: str,
    known_secrets: Sequence[str] = (),
    *,
    filename: str | None = None,
    command: bool = False,
) -> str | None:
    """Why ``text`` holds a secret, or None; never echoes it.

    ``filename`` (the file's path) lets a file named like a secret whose content is one
    random-looking token be found; ``command`` says ``text`` is a command line, where any
    random-looking word counts.
    """
    if any(secret and secret in text for secret in known_secrets):
        return "a known secret value"
    for name, value in assignments(text):
        if is_secret_name(name) and (why := judge_value(value, hex_counts=True)):
            return f"{name} set to {why}"
    found = url_credential(text) or provider_token(text)
    if found:
        return found
    content = text.strip()
    if filename and is_secret_name(filename.rsplit("/", 1)[-1]) and "\n" not in content:
        found = random_token(content, hex_counts=True)
        if found:
            return found
    return _random_word(text) if command else None


def _random_word(text: str) -> str | None:
    for word in _SEPARATORS.split(text):
        if word.startswith(("/", "./")) or _IDENTIFIER.fullmatch(word):
            continue
        if found := random_token(word):
            return found
    return None
