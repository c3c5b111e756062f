"""Schemathesis, an outside client that knows the API only from its OpenAPI document, pointed at
an app on the real PostgreSQL: ``fuzz`` sends each operation a bounded number of generated
requests, valid and invalid, and collects every answer that breaks a rule:

- no 5xx, and no status, content type, header or body the document does not allow (an object
  with an undocumented field included: the document closes every object);
- invalid data (schemathesis' negative mode) is refused with a 4xx;
- a refused write (any 4xx to a POST, PATCH or DELETE) changed no row: ``snapshot`` is read
  before and after it, straight from PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

DOCUMENT = "/api/v1/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
WRITES = frozenset({"POST", "PATCH", "DELETE"})
# Generated ids almost never name a row (a 404 tells little), and the seeded rows have the first
# ids of a fresh database: about half the cases take their path ids from these.
SEEDED_IDS = st.integers(1, 3)
# Every table a request could change (the API's rows, and the tokens it authenticates with).
SNAPSHOT_SQL = "SELECT " + ", ".join(
    f"(SELECT coalesce(json_agg(t ORDER BY id), '[]') FROM {table} t)"
    for table in ("courses", "students", "enrollments", "assignments", "grades", "api_tokens")
)


@dataclass
class Findings:
    """What a ``fuzz`` run found: one message per failing operation and mode, and how often
    each (method, status) was answered, to show what the run exercised."""

    failures: list[str] = field(default_factory=list)
    answered: Counter[tuple[str, int]] = field(default_factory=Counter)


def fuzz(
    app: Flask,
    token: str,
    snapshot: Callable[[], Any],
    *,
    examples: int,
    paths: str | None = None,
) -> Findings:
    """``examples`` valid and as many invalid requests to each operation of ``app``'s document
    (those whose path matches the regex ``paths``, if given), sent with ``token``, and what
    they found. Deterministic: the same app and data give the same requests."""
    schema = schemathesis.openapi.from_wsgi(DOCUMENT, app)
    if paths is not None:
        schema = schema.include(path_regex=paths)
    headers = {"Authorization": f"Bearer {token}"}
    findings = Findings()
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deletes last: run first, they would leave the other operations no seeded row to work on.
    for operation in sorted(operations, key=lambda operation: operation.method.upper() == "DELETE"):
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            failure = _run(operation, mode, headers, snapshot, examples, findings.answered)
            if failure:
                findings.failures.append(f"{operation.label} ({mode.value} data): {failure}")
    return findings


def _cases(
    operation: Any, mode: schemathesis.GenerationMode, headers: dict[str, str]
) -> st.SearchStrategy[schemathesis.Case]:
    """``operation``'s cases in ``mode``, about half on the seeded rows. Invalid data on a seeded
    row only for writes with a body: the path is all a GET or DELETE has to get wrong."""

    def on(ids: dict[str, int] | None) -> st.SearchStrategy[schemathesis.Case]:
        return operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=ids)

    names = [parameter.name for parameter in operation.path_parameters]
    if not names or (mode.is_negative and operation.method.upper() not in ("POST", "PATCH")):
        return on(None)
    return on(None) | st.fixed_dictionaries(dict.fromkeys(names, SEEDED_IDS)).flatmap(on)


def _run(
    operation: Any,
    mode: schemathesis.GenerationMode,
    headers: dict[str, str],
    snapshot: Callable[[], Any],
    examples: int,
    answered: Counter[tuple[str, int]],
) -> str | None:
    """The first failure of ``operation`` in ``mode``, or None. Recorded rather than raised:
    Hypothesis would replay a failing request, and a refused write that wrote may be refused
    differently the second time (a duplicate now). The rest of the run sends nothing."""
    found: list[str] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    # The token as a fixed header: negative data never drops or garbles it, so a refusal is
    # always for the data.
    @given(case=_cases(operation, mode, headers))
    def run(case: schemathesis.Case) -> None:
        if found:
            return
        write = case.method.upper() in WRITES
        before = snapshot() if write else None
        response = case.call()
        answered[case.method.upper(), response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except BaseExceptionGroup as failed:
            # Schemathesis' report: each failed check, the response and a curl command.
            found.append(str(failed).strip())
        else:
            if write and 400 <= response.status_code < 500 and snapshot() != before:
                found.append(
                    f"{case.method} {case.formatted_path} was refused with "
                    f"{response.status_code} {response.text[:200]}, yet rows changed "
                    f"(body sent: {case.body!r})"
                )

    run()
    return found[0] if found else None
