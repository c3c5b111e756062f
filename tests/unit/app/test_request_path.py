"""The request path docs/app.md describes is the one the code takes: a traced cached read
passes through the listed functions once each, in the listed order; the app's modules import
down that chain only (no import cycle); and what an app wires up belongs to that app alone."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import grimp
import pytest
from flask import Flask

from app import api, limits
from tests.app_helpers import ApiClient

DOC = Path(__file__).resolve().parents[3] / "docs" / "app.md"
STEP = re.compile(r"^\d+\. `(app\.[\w.]+)`", re.MULTILINE)


def documented_path() -> list[str]:
    """The numbered functions under "The request path" in docs/app.md."""
    text = DOC.read_text()
    section = text.split("## The request path", 1)[1].split("\n## ", 1)[0]
    return STEP.findall(section)


def resolve(dotted: str) -> Any:
    """The object ``dotted`` names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise LookupError(dotted)


@contextmanager
def traced() -> Iterator[list[str]]:
    """The qualified names of the app's Python functions called inside the block, in order."""
    calls: list[str] = []

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call":
            module = frame.f_globals.get("__name__", "")
            if module.startswith("app."):
                calls.append(f"{module}.{frame.f_code.co_qualname}")

    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(None)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The unit tests' settings with the rate limiter on: it is a step of the path."""
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "100 per minute"}


def test_the_documented_functions_exist() -> None:
    steps = documented_path()
    assert len(steps) >= 5, f"docs/app.md lists no request path: {steps}"
    for step in steps:
        assert callable(resolve(step)), f"docs/app.md names {step}, which is not a function"


def test_a_cached_read_takes_the_documented_path_once(api: ApiClient, seed: dict[str, Any]) -> None:
    """Each documented function once, in order; the token hashed and the report looked up once."""
    path = f"/courses/{seed['course']['id']}/summary"
    assert api.get(path).status_code == 200  # builds and stores the summary
    with traced() as calls:
        response = api.get(path)
    assert response.status_code == 200
    steps = documented_path()
    assert [call for call in calls if call in steps] == steps
    assert calls.count("app.tokens.hash_token") == 1
    assert calls.count("app.report_cache.look_up") == 1
    assert "app.report_cache.store" not in calls  # a hit: nothing encoded or stored


def test_a_miss_reads_the_version_once_and_encodes_the_body_once(
    api: ApiClient, seed: dict[str, Any]
) -> None:
    with traced() as calls:
        response = api.get(f"/courses/{seed['course']['id']}/summary")
    assert response.status_code == 200
    # The version and the report are read together once (with the grant, in one MGET).
    assert calls.count("app.cache.get_many") == 1
    assert calls.count("app.report_cache.store") == 1
    assert "app.report_cache._versioned" not in calls  # the API never decodes the body


def test_no_app_module_imports_back_up_the_chain() -> None:
    """The import graph of app/ (imports under TYPE_CHECKING left out) has no cycle."""
    graph = grimp.build_graph("app", exclude_type_checking_imports=True, cache_dir=None)
    cycles = [
        (importer, imported)
        for importer in sorted(graph.modules)
        for imported in sorted(graph.find_modules_directly_imported_by(importer))
        if graph.chain_exists(importer=imported, imported=importer)
    ]
    assert not cycles, f"imports that lead back to their importer: {cycles}"


def test_two_apps_share_no_wiring(make_app: Callable[..., Flask]) -> None:
    """Limiter policy, API hooks and CSRF exemptions are each app's, set in init_app."""
    first, second = make_app(), make_app()
    assert first.extensions[limits.POLICY] is not second.extensions[limits.POLICY]
    assert first.extensions["csrf"] is not second.extensions["csrf"]
    for bp in api.BLUEPRINTS:
        # Nothing on the shared blueprint object; each app has the hook once, not once per app.
        assert bp.before_request_funcs == {}
        for app in (first, second):
            assert app.before_request_funcs[bp.name].count(api.authenticate) == 1
            assert app.after_request_funcs[bp.name].count(api.add_etag) == 1
    limits.exempt(first, api.reports.bp)
    assert api.reports.bp.name not in second.extensions[limits.POLICY].exempt
