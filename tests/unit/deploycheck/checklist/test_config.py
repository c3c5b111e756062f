"""The ``checklist:`` section of a deploycheck config: a malformed one is a config error (exit 2,
one line naming file:line), in YAML or pyproject.toml alike; the package itself names no
project."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from deploycheck.cli import EXIT_UNUSABLE, main
from deploycheck.config import load_config
from deploycheck.errors import ConfigError

ROOT = Path(__file__).resolve().parents[4]
PACKAGE = ROOT / "src" / "deploycheck"

ITEM = "    - {number: 1, title: Backups are restorable}\n"
MALFORMED = {
    "not-a-mapping": ("checklist: [1, 2]\n", 1, "checklist: must be a mapping"),
    "no-items": ("checklist:\n  title: Launch\n", 1, "items: must be a non-empty list"),
    "empty-items": ("checklist:\n  items: []\n", 2, "items: must be a non-empty list"),
    "unknown-key": ("checklist:\n  itmes: []\n", 2, "unknown key 'itmes'"),
    "item-not-mapping": ("checklist:\n  items:\n    - backups\n", 3, "must be a mapping"),
    "no-title": ("checklist:\n  items:\n    - {number: 1}\n", 3, "title: must be a non-empty"),
    "number-not-int": (
        "checklist:\n  items:\n    - number: one\n      title: Backups\n",
        3,
        "number: must be a whole number from 1, found 'one'",
    ),
    "duplicate-number": (
        f"checklist:\n  items:\n{ITEM}{ITEM}",
        4,
        "checklist item 1 is declared twice",
    ),
    "manual-not-list": (
        "checklist:\n  items:\n    - number: 1\n      title: Backups\n      manual: restore one\n",
        5,
        "manual: must be a list of strings",
    ),
    "unknown-item-key": (
        "checklist:\n  items:\n    - number: 1\n      title: Backups\n      suite: [unit]\n",
        5,
        "unknown key 'suite'",
    ),
    "attach-outside-report-dir": (
        f"checklist:\n  items:\n{ITEM}  attach:\n    - {{file: ../secrets.md, title: X}}\n",
        5,
        "file: must be a path inside the report directory",
    ),
    "attach-without-title": (
        f"checklist:\n  items:\n{ITEM}  attach:\n    - {{file: image.md}}\n",
        5,
        "title: must be a non-empty string",
    ),
}


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_checklist_section_is_a_config_error_at_its_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    config = tmp_path / ".deploycheck.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        load_config(config)
    assert str(raised.value).startswith(f"{config}:{line}: "), raised.value

    out = io.StringIO()
    code = main(["report", "--report-dir", str(tmp_path), "--config", str(config)], out, out)
    assert code == EXIT_UNUSABLE, out.getvalue()
    assert out.getvalue().count("\n") == 1, out.getvalue()
    assert f"{config}:{line}: " in out.getvalue()
    assert message in out.getvalue()


def test_a_checklist_in_pyproject_is_read_like_the_yaml_one(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[tool.deploycheck.checklist]\n"
        'items = [{number = 3, title = "Admin pages need a login", suites = ["unit"]}]\n',
        encoding="utf-8",
    )
    checklist = load_config(pyproject).checklist
    assert checklist is not None
    assert [(item.number, item.title, item.suites) for item in checklist.items] == [
        (3, "Admin pages need a login", ("unit",))
    ]


def test_the_package_names_no_project() -> None:
    """deploycheck is generic: nothing of this repository's app is written into the package,
    not even in a docstring example (those use names like ``example-app``)."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "gradetracker" in line.lower()
    ]
    assert not found, "the package names this project:\n" + "\n".join(found)
