"""Values that plainly ask to be replaced: ``changeme``, ``your_api_key_here``, a sentence such
as ``configure_cloudinary_to_enable_uploaded_images``.

Such a value is not a credential: nobody can use it to get in. It is still worth a warning,
since the app would run with it until someone sets the real value. A weak default an app would
really run with (``dev-secret-key``, ``secret``) is not a placeholder: it names no action.
RB010 and the build context's env files (DI002) ask this before
:func:`deploycheck.secret_values.literal_secret`.
"""

from __future__ import annotations

import re

# Whole values that stand for "put the real one here".
_TOKENS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "replaceme",
        "replace-me",
        "replace_me",
        "todo",
        "placeholder",
        "tbd",
        "fixme",
        "fill-me-in",
        "set-me",
        "setme",
    }
)
# Words that tell the reader to act: a value made of words and holding one is an instruction.
_ACTION_WORDS = frozenset(
    {
        "your",
        "replace",
        "change",
        "configure",
        "set",
        "fill",
        "insert",
        "enter",
        "put",
        "here",
        "placeholder",
        "todo",
        "fixme",
        "tbd",
    }
)
_WORDS = re.compile(r"[a-z][a-z0-9]*(?:[_\- ][a-z][a-z0-9]*)+")


def is_placeholder(value: object) -> bool:
    """Whether ``value`` is plainly a stand-in for a value still to be set."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text.lower() in _TOKENS:
        return True
    if not _WORDS.fullmatch(text):
        return False
    return any(word in _ACTION_WORDS for word in re.split(r"[_\- ]", text))
