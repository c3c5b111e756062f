"""Hostile YAML: alias bombs, deep nesting, control characters, odd keys and bytes.

Whatever hypothesis builds from these pieces, ``deploycheck blueprint`` answers 0, 1 or 2 with
at most one line on stderr and no traceback, and the cost is bounded by counting (never by a
clock, which a busy CI machine would make flaky): the loader builds at most ``MAX_NODES``
nodes, however many an alias bomb would expand to.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploycheck.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, main
from deploycheck.targets import yaml_reader, yamlfile
from deploycheck.targets.yamlfile import MAX_NODES, load_yaml, parse_yaml

HOSTILE = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BASE = "services:\n  - type: web\n    name: app\n    runtime: docker\n    envVars:\n"


def laughs(levels: int, fanout: int) -> str:
    """``levels`` anchors, each a list of ``fanout`` aliases to the one before."""
    lines = ["x-laughs:", f"  l0: &l0 [{', '.join(['lol'] * fanout)}]"]
    for level in range(1, levels):
        refs = ", ".join([f"*l{level - 1}"] * fanout)
        lines.append(f"  l{level}: &l{level} [{refs}]")
    return BASE + "\n".join(lines) + "\n"


def nesting(depth: int, flow: bool) -> str:
    if flow:
        return "services: " + "[" * depth + "]" * depth + "\n"
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "leaf\n"


PIECES = st.one_of(
    st.builds(laughs, st.integers(1, 12), st.integers(1, 12)),
    st.builds(nesting, st.integers(1, 3000), st.booleans()),
    # control characters, raw or escaped, inside an otherwise fine Blueprint
    st.builds(
        lambda c, escaped: (
            BASE + f'      - key: A\n        value: "{c if not escaped else repr(c)[1:-1]}"\n'
        ),
        st.characters(max_codepoint=0x9F).filter(lambda c: not c.isprintable()),
        st.booleans(),
    ),
    st.sampled_from(
        [
            "? [a, b]\n: 1\n",
            "? {a: 1}\n: 1\n",
            "a: &a [*a]\n",
            "a: &a {b: *a}\n",
            "a: 2026-02-30\n",
            "a: !!binary '@@@'\n",
            "a: !!python/object:os.system ls\n",
            "base: &b {x: 1}\nsvc:\n  <<: [*b, *b, *b]\n  <<: *b\n",
            "\ufeffservices: []\n",
            "---\na: 1\n---\nb: 2\n",
            "a: \ufffe\n",
            "x: " + "9" * 5000 + "\n",
        ]
    ),
)


def verdict(content: bytes) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "render.yaml"
        path.write_bytes(content)
        err = io.StringIO()
        code = main(["blueprint", str(path), "--no-config", "--no-crossfile"], io.StringIO(), err)
    return code, err.getvalue()


@HOSTILE
@given(PIECES, st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_hostile_yaml_gets_a_verdict_at_bounded_cost(text: str, encoding: str) -> None:
    content = text.encode(encoding, errors="replace")
    with mock.patch.object(
        yaml_reader._Builder, "build", autospec=True, side_effect=yaml_reader._Builder.build
    ) as build:
        code, err = verdict(content)
    assert code in (EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE), err
    assert "Traceback" not in err
    assert len(err.splitlines()) <= 1, err
    assert build.call_count <= MAX_NODES, f"built {build.call_count} nodes"


def test_an_alias_bomb_is_one_finding_and_nothing_is_expanded() -> None:
    with mock.patch.object(
        yaml_reader._Builder, "build", autospec=True, side_effect=yaml_reader._Builder.build
    ) as build:
        doc = parse_yaml(laughs(10, 10), "render.yaml")
    [finding] = doc.findings
    assert finding.rule_id == "YML008"
    assert "aliases expand to more than" in finding.message
    assert build.call_count == 0, "the bound is checked before anything is expanded"


def test_nesting_3000_deep_is_one_finding_with_its_line() -> None:
    [finding] = parse_yaml(nesting(3000, flow=False), "render.yaml").findings
    assert (finding.rule_id, finding.line) == ("YML008", yamlfile.MAX_DEPTH)


def test_a_symlink_loop_is_one_line_error(tmp_path: Path) -> None:
    loop = tmp_path / "render.yaml"
    loop.symlink_to(loop)
    err = io.StringIO()
    assert main(["blueprint", str(loop), "--no-config"], io.StringIO(), err) == EXIT_UNUSABLE
    assert len(err.getvalue().strip().splitlines()) == 1
    assert "render.yaml" in err.getvalue()


def test_load_yaml_reports_non_utf8_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "render.yaml"
    path.write_bytes(b"services: []\n# caf\xe9\n")
    [finding] = load_yaml(path).findings
    assert (finding.rule_id, finding.line) == ("YML005", 2)


def test_a_bom_is_a_warning_and_the_file_is_still_checked() -> None:
    doc = parse_yaml("\ufeffservices: []\n", "render.yaml")
    assert [(f.rule_id, str(f.level)) for f in doc.findings] == [("YML005", "warning")]
    assert doc.usable
