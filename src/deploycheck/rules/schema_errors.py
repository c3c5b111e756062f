"""From jsonschema's raw errors to the few a reader needs: each at the field that is wrong, with
a message that names that field and what would be right there.

A closed object's error names the unknown field (and the fields it may have meant); a failed
choice between shapes (``anyOf``/``oneOf``) is explained by the branch the value meant, picked
by its ``type`` or ``runtime``; a plan Render lists in another spelling is a warning
(:mod:`deploycheck.rules.plan_spelling`).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError, relevance
from jsonschema.validators import validator_for

from deploycheck.findings import Level
from deploycheck.rules.plan_spelling import documented_plan, spelling_message
from deploycheck.targets.yamlfile import YamlDocument, YamlPath


@dataclass(frozen=True)
class SchemaError:
    """One schema error: the YAML path it is about and what to fix there."""

    path: YamlPath
    message: str
    # The field the error is about: ``path`` itself, or the missing field under it.
    subject: YamlPath = ()
    # A warning only for a plan the schema lists in another spelling (see plan_spelling).
    level: Level = Level.ERROR


def schema_errors(doc: YamlDocument, schema: Mapping[str, Any]) -> list[SchemaError]:
    """Every error of ``doc`` against ``schema``, each at the field that is wrong."""
    validator = validator_for(schema)(schema)
    raw = [cause for error in validator.iter_errors(doc.data) for cause in _causes(error)]
    found: list[SchemaError] = []
    unknown_at = {
        tuple(e.absolute_path) for e in raw if e.validator in _CLOSED_OBJECT and e.instance
    }
    for error in raw:
        path: YamlPath = tuple(error.absolute_path)
        if error.validator in _CLOSED_OBJECT and isinstance(error.instance, dict):
            found.extend(_unknown_fields(schema, error, path, raw))
        elif documented := documented_plan(error):
            found.append(
                SchemaError(path, spelling_message(error, documented), path, Level.WARNING)
            )
        elif not (error.validator == "required" and path in unknown_at):
            # A field missing next to an unknown one: the unknown one is the mistake to name
            # (``fromGroup`` in an env group, where the plain-variable shape wants ``key``).
            found.append(SchemaError(path, _describe(error), (*path, *_missing(error)[:1])))
    return found


def _missing(error: ValidationError) -> list[str]:
    """The fields a ``required`` (or a choice of fields) error wants and does not find."""
    if error.validator == "required":
        return [k for k in error.validator_value if k not in error.instance]
    if _is_choice_of_fields(error):
        return [name for o in error.validator_value for name in o["required"]]
    return []


_CLOSED_OBJECT = ("additionalProperties", "unevaluatedProperties")


def _unknown_fields(
    schema: Mapping[str, Any], error: ValidationError, path: YamlPath, raw: list[ValidationError]
) -> list[SchemaError]:
    """One error per unknown key, with the spelling it is closest to and, for a key that
    belongs to another kind of object (``maxmemoryPolicy`` on a web service), which one."""
    known = sorted(_declared(schema, error.schema))
    found = []
    for key in error.instance:
        if key in known or _explained_deeper(error, (*path, key), raw):
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        elsewhere = _owners(schema, key, error.schema)
        if elsewhere and "title" in error.schema:
            hint = f" for a {error.schema['title']} (it belongs to: {elsewhere})"
        else:
            hint = f"; did you mean {close[0]!r}?" if close else ""
        found.append(SchemaError((*path, key), f"unknown field {key!r}{hint}", (*path, key)))
    return found


_IN_PLACE = ("allOf", "anyOf", "oneOf")


def _declared(root: Mapping[str, Any], schema: object, depth: int = 0) -> set[str]:
    """The keys ``schema`` declares, with those of the subschemas it applies to the same
    object (``$ref``, ``allOf``/``anyOf``/``oneOf``, ``if``/``then``/``else``).

    ``unevaluatedProperties`` names every key no *passing* subschema evaluated, so once one
    service fails, Render's root (an ``allOf`` of resources) would call ``databases`` unknown:
    a key declared anywhere in the applicable subschemas is not unknown; its own error, if it
    has one, says what is wrong.
    """
    if not isinstance(schema, dict) or depth > 16:
        return set()
    keys = set(schema.get("properties", {}))
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: object = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        keys |= _declared(root, target, depth + 1)
    for word in _IN_PLACE:
        for sub in schema.get(word, ()):
            keys |= _declared(root, sub, depth + 1)
    for word in ("if", "then", "else"):
        keys |= _declared(root, schema.get(word), depth + 1)
    return keys


def _explained_deeper(error: ValidationError, path: YamlPath, raw: list[ValidationError]) -> bool:
    """``unevaluatedProperties`` also names a key whose own subschema failed (a failing
    subschema evaluates nothing): that key is not unknown, its own error says what is wrong."""
    return error.validator == "unevaluatedProperties" and any(
        other is not error and tuple(other.absolute_path)[: len(path)] == path for other in raw
    )


def _owners(schema: Mapping[str, Any], key: object, current: Mapping[str, Any]) -> str:
    """Titles of the other closed object definitions that declare ``key``."""
    definitions = {**schema.get("$defs", {}), **schema.get("definitions", {})}
    titles = [
        d["title"]
        for d in definitions.values()
        if isinstance(d, dict)
        and d is not current
        and "title" in d
        and key in d.get("properties", {})
    ]
    return ", ".join(titles)


def _is_choice_of_fields(error: ValidationError) -> bool:
    """A ``oneOf``/``anyOf`` whose branches only say which field must be present."""
    options = error.validator_value
    return error.validator in ("oneOf", "anyOf") and all(
        isinstance(o, dict) and set(o) == {"required"} for o in options
    )


# Keys whose value picks the branch of a union: Render's schema unions service kinds with
# anyOf, and a branch that wants another ``type`` (or ``runtime: static``) is not the one meant.
_DISCRIMINATORS = ("type", "runtime")


def _matching_branches(error: ValidationError) -> dict[object, list[ValidationError]]:
    """The errors of each branch of a union, less the branches whose discriminator does not
    match (all of them when none matches)."""
    by_branch: dict[object, list[ValidationError]] = {}
    for sub in error.context or ():
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
    depth = len(error.absolute_path)

    def wrong_kind(sub: ValidationError) -> bool:
        rest = tuple(sub.absolute_path)[depth:]
        return sub.validator in ("const", "enum") and len(rest) == 1 and rest[0] in _DISCRIMINATORS

    kept = {b: subs for b, subs in by_branch.items() if not any(map(wrong_kind, subs))}
    return kept or by_branch


def _causes(error: ValidationError) -> list[ValidationError]:
    """For "not valid under any of the given schemas", every error of the branch meant.

    Branches for another kind of object are dropped first (the ``type`` discriminator), then
    jsonschema's relevance (``best_match``'s first step) picks the branch, and all of that
    branch's errors are kept (each one explained the same way): a web service with a misspelt
    key and a wrong value is reported at both fields, never against the Key Value branch and
    never at the union itself.
    """
    if error.validator in ("oneOf", "anyOf") and error.context and not _is_choice_of_fields(error):
        if _is_named_value_union(error):
            return [error]
        branches = _matching_branches(error)
        # best_match's own first step: the most relevant error among the branches' errors.
        best = max((sub for subs in branches.values() for sub in subs), key=relevance)
        return [cause for sub in branches[best.relative_schema_path[0]] for cause in _causes(sub)]
    return [error]


def _is_named_value_union(error: ValidationError) -> bool:
    """A titled union of plain values (a plan name or a size): one message says it best."""
    return "title" in error.schema and all(
        isinstance(o, dict) and "properties" not in o for o in error.validator_value
    )


def _describe(error: ValidationError) -> str:
    """jsonschema's message, reworded where the raw one hides what to fix."""
    options = error.validator_value
    if _is_choice_of_fields(error):
        names = [name for o in options for name in o["required"]]
        if error.validator == "anyOf":
            return f"missing required field {names[0]!r}" + (
                f" (or the deprecated {', '.join(map(repr, names[1:]))})" if names[1:] else ""
            )
        return f"needs exactly one of: {', '.join(names)}"
    if error.validator == "required":
        missing = [repr(k) for k in options if k not in error.instance]
        fields = " and ".join([", ".join(missing[:-1]), missing[-1]] if missing[1:] else missing)
        kind = f" for a {error.schema['title']}" if "title" in error.schema else ""
        return f"missing required field{'s' * bool(missing[1:])} {fields}{kind}"
    if error.validator == "not" and isinstance(error.validator_value, dict):
        banned = error.validator_value.get("required", [])
        return f"must not have {', '.join(map(repr, banned)) or 'this shape'}"
    wants_string = options == "string" or (isinstance(options, list) and "string" in options)
    scalar = isinstance(error.instance, (bool, int, float))
    if error.validator == "type" and wants_string and scalar:
        shown = json.dumps(error.instance)
        return (
            f'{shown} is a YAML {type(error.instance).__name__}, not a string; quote it: "{shown}"'
        )
    if error.validator in ("enum", "const"):
        return _not_one_of(error)
    if error.validator == "anyOf" and _is_named_value_union(error):
        return f"{error.instance!r} is not a valid {error.schema['title']}"
    return error.message


def _not_one_of(error: ValidationError) -> str:
    allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
    if not isinstance(error.instance, str) and json.dumps(error.instance) in allowed:
        shown = json.dumps(error.instance)
        return (
            f'{shown} is a YAML {type(error.instance).__name__}, not a string; quote it: "{shown}"'
        )
    what = f"a valid {error.schema['title']}" if "title" in error.schema else "allowed"
    close = difflib.get_close_matches(str(error.instance), [str(a) for a in allowed], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(map(repr, allowed[:12])) + (", ..." if len(allowed) > 12 else "")
    return f"{error.instance!r} is not {what}{hint} (one of: {listing})"
