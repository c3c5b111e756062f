"""CHK: one id per item of the security checklist (:mod:`deploycheck.checklist.items`); the
report (``deploycheck report``) gives an item's id a finding when it is not verified."""

from __future__ import annotations

from deploycheck.checklist.items import ITEMS
from deploycheck.registry import declare

for _item in ITEMS:
    declare(
        f"CHK{_item.number:03d}",
        f"""Checklist item {_item.number} is verified: {_item.title}.

        Passes: every test marked ``checklist({_item.number})`` in suites
        {", ".join(_item.suites)} passed
        Fails:  one of them failed, or a suite it needs did not run (a warning unless strict)
        """,
        target="checklist",
    )
