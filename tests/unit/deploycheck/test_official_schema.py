"""``--official-schema``: Render's schema as a second opinion, fetched from a local server.

The server on 127.0.0.1 serves a small schema written here in the shape of Render's published
one (``definitions``, an ``allOf`` of the resources with ``unevaluatedProperties: false`` at the
root, services as an ``anyOf`` of kinds told apart by ``type``), never the real file: these
tests must not need the internet, and must not depend on what Render publishes today.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deploycheck.blueprint_check import check_blueprint
from deploycheck.cli import main
from deploycheck.errors import ConfigFileError
from deploycheck.findings import Level
from deploycheck.official_schema import get_official_schema

STRING = {"type": "string"}
RENDER_LIKE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "definitions": {
        "keyValue": {
            "type": "object",
            "properties": {"type": {"const": "keyvalue"}, "name": STRING, "ipAllowList": {}},
            "required": ["type", "name", "ipAllowList"],
            "additionalProperties": False,
        },
        "webService": {
            "type": "object",
            "properties": {
                "type": {"enum": ["web", "worker"]},
                "name": STRING,
                "runtime": STRING,
                "healthCheckPath": STRING,
                "envVars": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"key": STRING, "value": {"type": ["string", "number"]}},
                    },
                },
            },
            "required": ["type", "name", "runtime"],
            "additionalProperties": False,
        },
        "resources": {
            "type": "object",
            "properties": {
                "services": {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            {"$ref": "#/definitions/keyValue"},
                            {"$ref": "#/definitions/webService"},
                        ]
                    },
                },
                "databases": {"type": "array", "items": {"type": "object"}},
                "envVarGroups": {"type": "array", "items": {"type": "object"}},
            },
        },
    },
    "allOf": [
        {"$ref": "#/definitions/resources"},
        {"type": "object", "properties": {"previews": {"type": "object"}}},
    ],
    "unevaluatedProperties": False,
}
WEB = "services:\n  - type: web\n    name: app\n"


class SchemaServer:
    """Serves one schema with an ETag and answers ``If-None-Match`` with 304; counts bodies."""

    def __init__(self, schema: dict) -> None:
        self.body = json.dumps(schema).encode()
        self.bodies_sent = 0
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.end_headers()
                    return
                served.bodies_sent += 1
                self.send_response(200)
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(served.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/render.yaml.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SchemaServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user cache folder (XDG_CACHE_HOME), so no test sees another's download."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "deploycheck"


@pytest.fixture
def server() -> Iterator[SchemaServer]:
    """The local schema server, stopped after the test."""
    with SchemaServer(RENDER_LIKE_SCHEMA) as running:
        yield running


def closed_port_url() -> str:
    """A URL nothing listens on: a server is started and stopped to free its port."""
    with SchemaServer({}) as gone:
        url = gone.url
    return url


def blueprint(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "render.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def findings(path: Path, url: str, required: bool = False) -> list[str]:
    result = check_blueprint(
        path,
        crossfile_rules=False,
        environ={},
        official_schema=url,
        official_required=required,
        display_path="render.yaml",
    )
    return [str(f) for f in result.findings if f.rule_id in {"SCH001", "SCH002"}]


@pytest.fixture
def web_findings(tmp_path: Path, server: SchemaServer, cache: Path) -> Callable[[str], list[str]]:
    """SCH001/SCH002 findings, against the served schema, of WEB followed by the given text."""
    return lambda text: findings(blueprint(tmp_path, WEB + text), server.url)


def test_schema_is_downloaded_once_then_revalidated_by_etag(
    server: SchemaServer, cache: Path
) -> None:
    first = get_official_schema(server.url)
    second = get_official_schema(server.url)
    assert first.schema == second.schema == RENDER_LIKE_SCHEMA
    assert server.bodies_sent == 1, "the second run should have been answered 304"
    assert [p.suffix for p in sorted(cache.iterdir())] == [".etag", ".json"]


def test_cached_schema_is_used_offline_with_a_warning(cache: Path) -> None:
    with SchemaServer(RENDER_LIKE_SCHEMA) as running:
        url = running.url
        get_official_schema(url)
    offline = get_official_schema(url)
    assert offline.schema == RENDER_LIKE_SCHEMA
    [warning] = offline.warnings
    assert "used the cached copy" in warning


def test_no_network_and_no_cache_is_a_warning_unless_asked_for(tmp_path: Path, cache: Path) -> None:
    path = blueprint(tmp_path, WEB + "    runtime: docker\n")
    url = closed_port_url()
    result = check_blueprint(path, crossfile_rules=False, environ={}, official_schema=url)
    [skipped] = [f for f in result.findings if f.rule_id == "SCH002"]
    assert skipped.level is Level.WARNING
    assert "the official-schema check is skipped" in skipped.message
    with pytest.raises(ConfigFileError, match="nothing is cached"):
        check_blueprint(path, environ={}, official_schema=url, official_required=True)


def test_cli_option_that_cannot_fetch_exits_2_with_one_line(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = blueprint(tmp_path, WEB + "    runtime: docker\n")
    code = main(["blueprint", str(path), "--no-crossfile", "--official-schema", closed_port_url()])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert "cannot fetch Render's schema" in err


def test_official_error_names_the_field_not_the_root_or_another_kind(
    web_findings: Callable[[str], list[str]],
) -> None:
    shown = web_findings("    runtime: docker\n    helthCheckPath: /health\n")
    official = [s for s in shown if "SCH002" in s]
    assert official == [
        "render.yaml:5: services[0].helthCheckPath: unknown field 'helthCheckPath'; did you mean "
        "'healthCheckPath'? (Render's official schema) (SCH002)"
    ], shown
    assert not any("<root>" in s or "ipAllowList" in s for s in shown), shown


def test_disagreements_are_said_in_the_finding(web_findings: Callable[[str], list[str]]) -> None:
    # Render honours the deprecated env: (ours accepts it); this schema wants runtime.
    # Ours wants a path that starts with "/"; this schema takes any string.
    shown = web_findings("    env: docker\n    healthCheckPath: health\n")
    assert any(
        "SCH002" in s and "'env'" in s and "our Blueprint schema accepts it" in s for s in shown
    ), shown
    assert any(
        "SCH001" in s and "healthCheckPath" in s and "Render's published schema accepts it" in s
        for s in shown
    ), shown


def test_valid_top_level_keys_are_not_unknown_after_a_service_fails(
    web_findings: Callable[[str], list[str]],
) -> None:
    # The service misses runtime, so the allOf branch that declares the resources fails and
    # unevaluatedProperties names every root key: none of them is unknown.
    shown = web_findings(
        "databases:\n  - name: db\nenvVarGroups:\n  - name: shared\npreviews:\n  generation: off\n"
    )
    official = [s for s in shown if "SCH002" in s]
    assert official == [
        "render.yaml:2: services[0]: missing required field 'runtime' (Render's official schema) "
        "(SCH002)"
    ], shown
    assert not any("unknown field" in s for s in shown), shown


def test_a_value_both_schemas_reject_is_never_said_to_be_accepted(
    web_findings: Callable[[str], list[str]],
) -> None:
    # Two errors in the one web-service branch: a misspelt key and a list as a value. Both are
    # reported against Render's schema, so neither is "accepted" by it.
    shown = web_findings(
        "    runtime: docker\n    helthCheckPath: /health\n"
        "    envVars:\n      - key: DEBUG\n        value: [1]\n"
    )
    assert not any("accepts it" in s for s in shown), shown
    assert {(s.split(":")[1], s.split()[-1]) for s in shown} == {
        ("5", "(SCH001)"),
        ("5", "(SCH002)"),
        ("8", "(SCH001)"),
        ("8", "(SCH002)"),
    }, shown


def test_config_option_names_the_schema(tmp_path: Path, server: SchemaServer, cache: Path) -> None:
    (tmp_path / ".deploycheck.yaml").write_text(
        f"rules:\n  SCH002: {{schema: '{server.url}'}}\n", encoding="utf-8"
    )
    path = blueprint(tmp_path, WEB + "    runtime: docker\n    helthCheckPath: /health\n")
    result = check_blueprint(path, crossfile_rules=False, environ={})
    assert "SCH002" in result.rule_ids()
    assert server.bodies_sent == 1
