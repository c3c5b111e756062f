"""A plan name Render's schema lists under another spelling: a warning, not a schema error.

Render's own example Blueprints deploy with ``plan: Starter`` (render-examples/temporal), and
Render's API spells plan ids with ``_`` (``basic_256mb``, render-examples/trender) where the
Blueprint spec writes ``basic-256mb``. Render's docs never say whether a Blueprint may use
those spellings, so a plan that matches a listed one but for case, ``_``, ``-`` or a space
is reported as a warning naming the documented spelling; any other unlisted plan stays an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from jsonschema.exceptions import ValidationError

# The fields that name a plan: ``plan`` and ``previewPlan``.
_PLAN_FIELD = re.compile(r"(?i)^(preview)?plan$")
_SEPARATORS = re.compile(r"[-_\s]+")


def _key(name: str) -> str:
    return _SEPARATORS.sub("-", name.strip().lower())


def _listed(error: ValidationError) -> Iterable[object]:
    """The values the failing schema lists: an ``enum``, or the enums/consts of a union."""
    if error.validator == "enum":
        return error.validator_value
    listed: list[object] = []
    if error.validator in ("anyOf", "oneOf"):
        for branch in error.validator_value:
            if isinstance(branch, dict):
                listed += branch.get("enum", [])
                listed += [branch["const"]] if "const" in branch else []
    return listed


def documented_plan(error: ValidationError) -> str | None:
    """The spelling Render's schema lists for the plan ``error`` rejects, when the value is that
    plan written in another case or with other separators; else None."""
    path = tuple(error.absolute_path)
    if not path or not _PLAN_FIELD.match(str(path[-1])) or not isinstance(error.instance, str):
        return None
    wanted = _key(error.instance)
    return next((v for v in _listed(error) if isinstance(v, str) and _key(v) == wanted), None)


def spelling_message(error: ValidationError, documented: str) -> str:
    """What to write instead, and why it is only a warning."""
    title = error.schema.get("title", "plan") if isinstance(error.schema, dict) else "plan"
    return (
        f"{error.instance!r} is spelt {documented!r} in Render's Blueprint spec ({title}); "
        "Render's docs do not say it accepts another spelling"
    )
