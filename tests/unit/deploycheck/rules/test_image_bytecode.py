"""IMG004's orphan-bytecode check reads PEP 3147 cache names, dotted source names included."""

from __future__ import annotations

import pytest

from deploycheck.rules.image import check_wasted_space
from deploycheck.targets.image import FileEntry, Image


def entry(path: str) -> FileEntry:
    return FileEntry(path=path, size=1000, mode=0o644, uid=0, is_dir=False)


def orphans(*paths: str) -> list[str]:
    image = Image(ref="example:test", id="sha256:" + "0" * 64, size=0)
    return [p.message for p in check_wasted_space(image, [entry(path) for path in paths])]


@pytest.mark.parametrize(
    ("source", "cached"),
    [
        ("/app/app/db.py", "/app/app/__pycache__/db.cpython-311.pyc"),
        ("/app/gunicorn.conf.py", "/app/__pycache__/gunicorn.conf.cpython-311.pyc"),
        ("/usr/lib/json/decoder.py", "/usr/lib/json/__pycache__/decoder.cpython-311.opt-1.pyc"),
        ("/opt/x/mod.py", "/opt/x/__pycache__/mod.pypy310.pyc"),
    ],
    ids=["module", "dotted source name", "optimized", "other implementation"],
)
def test_bytecode_next_to_its_source_is_not_waste(source: str, cached: str) -> None:
    assert orphans(source, cached) == []


@pytest.mark.parametrize(
    "cached",
    ["/app/app/__pycache__/gone.cpython-311.pyc", "/app/__pycache__/gunicorn.conf.cpython-311.pyc"],
    ids=["module", "dotted source name"],
)
def test_bytecode_without_its_source_is_waste(cached: str) -> None:
    (message,) = orphans("/app/app/db.py", cached)
    assert message.startswith("bytecode without source: 1 files")
    assert cached in message
