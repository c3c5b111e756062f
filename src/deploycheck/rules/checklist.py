"""CHK: the project's checklist (``checklist:`` in its config, see
:mod:`deploycheck.checklist.items`). One id covers every item: ``deploycheck report`` gives it
a finding per item that is not verified, and the finding names the item."""

from __future__ import annotations

from deploycheck.registry import declare

CHECKLIST_RULE = "CHK001"

declare(
    CHECKLIST_RULE,
    """Every item of the project's configured checklist is verified.

    Passes: every test marked ``checklist(N)`` passed, in every suite item N lists
    Fails:  ``checklist item 7: CSRF protection enabled: failed: tests/unit/t.py::test_csrf``;
    an item whose tests were skipped or whose suite did not run is a warning, or an error
    with ``--strict``
    """,
    target="checklist",
)
