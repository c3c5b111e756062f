"""Uniqueness keys: two emails (or course codes) are the same when their keys are equal.

A key is the text with format characters (zero-width space, joiners, soft hyphen, BOM: Unicode
category Cf) removed, then NFKC-normalised (full-width ``ＣＳ`` is ``CS``, a combining accent
joins its letter) and case-folded (``AMY`` is ``amy``, ``ß`` is ``ss``), normalised again since
folding can undo NFKC. The database stores its SHA-256, so the UNIQUE index entry has a fixed
size whatever NFKC expands a string to (PostgreSQL refuses index rows above about 2.7 kB).
"""

from __future__ import annotations

import hashlib
import unicodedata


def normalized(text: str) -> str:
    """``text`` as compared for uniqueness (see the module docstring)."""
    visible = "".join(char for char in text if unicodedata.category(char) != "Cf")
    folded = unicodedata.normalize("NFKC", visible).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def identity_key(text: str) -> str:
    """The value of a ``*_key`` column: the SHA-256 (hex) of ``normalized(text)``."""
    return hashlib.sha256(normalized(text).encode()).hexdigest()
