"""Parse request JSON that every later step can handle, or refuse it with a reason.

Python's parser accepts things the app cannot use and then fails on with a 500: nesting deep
enough to exhaust the recursion limit (RecursionError), integers past ``int()``'s digit limit
(a ValueError outside the parser's own), and ``\\ud800``-style lone surrogates, which no
UTF-8 database or page can encode (UnicodeEncodeError, stored once and then failing every
render). Numbers that parse (huge integers, NaN) are left to the field checks, which name the
field in a 422.
"""

from __future__ import annotations

import json
import re
from typing import Any

# The API's bodies are flat objects (category_weights is one level down).
MAX_DEPTH = 8
SURROGATE = re.compile(r"[\ud800-\udfff]")


class UnsafeJson(ValueError):
    """The body is not JSON the app accepts; the message says why."""


def _check(value: Any) -> None:
    """Depth and text checks, iteratively (the value may be deep: recursion is what failed)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise UnsafeJson(f"JSON may be nested at most {MAX_DEPTH} levels deep")
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str):
                    _check_text(key)
                pending.append((child, depth + 1))
        elif isinstance(item, str):
            _check_text(item)


def _check_text(text: str) -> None:
    if SURROGATE.search(text):
        raise UnsafeJson("strings must be valid Unicode text (a lone surrogate was sent)")


def loads(raw: bytes | str) -> Any:
    """The parsed value, or ``UnsafeJson`` naming what was refused."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise UnsafeJson(f"JSON may be nested at most {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int()'s digit limit
        raise UnsafeJson(f"the body is not valid JSON: {exc}") from None
    _check(value)
    return value
