"""Fuzzing both checkers: whatever the bytes, the verdict is 0, 1 or 2 and never a traceback.

hypothesis runs derandomized (the same examples every run, as CI must be deterministic) and
hadolint is off for the generated files, so the examples exercise deploycheck's own parsing
and rules at the speed CI needs; hadolint's own parser is hadolint's to fuzz.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploycheck.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, main
from deploycheck.config import load_config
from deploycheck.errors import ConfigError

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 20),
    st.text(max_size=20),
    st.sampled_from(["web", "docker", "/health", "standard", "fromDatabase", "sync"]),
)
KEYS = st.sampled_from(
    [
        "services",
        "databases",
        "envVarGroups",
        "type",
        "name",
        "runtime",
        "plan",
        "scaling",
        "envVars",
        "key",
        "value",
        "fromDatabase",
        "healthCheckPath",
        "disk",
        "ipAllowList",
        "minInstances",
        "maxInstances",
        "dockerfilePath",
        "previews",
    ]
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)
YAML_NOISE = st.text(alphabet=st.sampled_from(list(" :-{}[]#&*!|>'\"\n\tab0@%`,?")), max_size=200)


def verdict(command: str, content: bytes) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("Dockerfile" if command == "dockerfile" else "render.yaml")
        path.write_bytes(content)
        out, err = io.StringIO(), io.StringIO()
        code = main(
            [command, str(path), "--no-config", "--rule", "HL002=off", "--root", folder],
            stdout=out,
            stderr=err,
        )
    return code, err.getvalue()


def assert_a_verdict(command: str, content: bytes) -> None:
    code, err = verdict(command, content)
    assert code in (EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE), err
    assert "Traceback" not in err
    assert len(err.splitlines()) <= 1, err


@FUZZ
@given(st.binary(max_size=600))
def test_any_bytes_as_a_dockerfile(content: bytes) -> None:
    assert_a_verdict("dockerfile", content)


@FUZZ
@given(st.binary(max_size=600))
def test_any_bytes_as_a_blueprint(content: bytes) -> None:
    assert_a_verdict("blueprint", content)


@FUZZ
@given(DOCUMENTS)
def test_blueprint_shaped_documents(document: object) -> None:
    assert_a_verdict("blueprint", yaml.safe_dump({"services": [document]}).encode())


@FUZZ
@given(YAML_NOISE)
def test_yaml_shaped_noise(text: str) -> None:
    assert_a_verdict("blueprint", text.encode())


CONFIG_VALUES = st.recursive(
    st.one_of(SCALARS, st.sampled_from(["strict", "off", "error", "DF004", "XF002", "*"])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(inner.map(str), inner, max_size=3),
    max_leaves=8,
)
CONFIGS = st.dictionaries(
    st.sampled_from(["extends", "rules", "ignore", "rule"]), CONFIG_VALUES, max_size=3
)


@FUZZ
@given(CONFIGS)
def test_any_config_document_loads_or_is_a_config_error(document: dict[str, object]) -> None:
    """``extends:``, ``rules:`` and ``ignore:`` of any shape: a Config or one ConfigError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ".deploycheck.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        try:
            presets, message = load_config(path).presets, ""
        except ConfigError as error:
            presets, message = frozenset(), str(error)
    assert presets <= {"strict"}
    assert not message or message.startswith(f"{path}:"), message
