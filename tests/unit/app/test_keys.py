from __future__ import annotations

import pytest

from app.keys import identity_key, normalized


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("AMY@X.EDU", "amy@x.edu"),  # case
        ("amy@x.edu\u200b", "amy@x.edu"),  # zero-width space
        ("\ufeffa\u00admy@x.e\u200ddu\u2060", "amy@x.edu"),  # BOM, soft hyphen, joiners
        ("ａｍｙ＠ｘ．ｅｄｕ", "amy@x.edu"),  # full-width
        ("ＣＳ－１０１", "cs-101"),  # the full-width twin of CS-101
        ("cafe\u0301@x.edu", "café@x.edu"),  # combining acute accent
        ("Straße", "strasse"),  # case folding beyond lower()
        ("  CS-101\u3000", "cs-101"),  # surrounding (also ideographic) space
    ],
)
def test_spellings_of_the_same_text_share_a_key(typed: str, same_as: str) -> None:
    assert normalized(typed) == normalized(same_as)
    assert identity_key(typed) == identity_key(same_as)


@pytest.mark.parametrize(
    ("one", "other"),
    [("amy@x.edu", "amy@y.edu"), ("CS-101", "CS-102"), ("cafe@x.edu", "café@x.edu")],
)
def test_different_texts_keep_different_keys(one: str, other: str) -> None:
    assert identity_key(one) != identity_key(other)


def test_key_has_a_fixed_size_however_far_nfkc_expands() -> None:
    # U+FDFA becomes 18 characters under NFKC: the index must not see the expansion.
    assert len(normalized("\ufdfa" * 254)) == 18 * 254
    assert len(identity_key("\ufdfa" * 254)) == 64
