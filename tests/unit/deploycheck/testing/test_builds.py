"""Content-addressed image builds (deploycheck.testing.builds.build_key): the key changes with
what decides the image and with nothing else."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from docker.errors import ImageNotFound

from deploycheck.testing.builds import build_key

ARGS = {"PYTHON_IMAGE": "base:1"}


class FakeImages:
    """The local images a key reads: name -> id."""

    def __init__(self, ids: dict[str, str]) -> None:
        self.ids = ids

    def get(self, name: str) -> SimpleNamespace:
        if name not in self.ids:
            raise ImageNotFound(name)
        return SimpleNamespace(id=self.ids[name])


def client(**ids: str) -> SimpleNamespace:
    return SimpleNamespace(images=FakeImages({"base:1": "sha256:aaa", **ids}))


@pytest.fixture
def context(tmp_path: Path) -> Path:
    """A build context: a Dockerfile on an ARG base, code, and a .dockerignore."""
    (tmp_path / "Dockerfile").write_text("ARG PYTHON_IMAGE\nFROM ${PYTHON_IMAGE}\nCOPY app/ app/\n")
    (tmp_path / ".dockerignore").write_text("*\n!app/\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("print('v1')\n")
    (tmp_path / "notes.txt").write_text("not in the context\n")
    return tmp_path


def key(context: Path, args: dict[str, str] = ARGS, **ids: str) -> str:
    return build_key(client(**ids), context, "Dockerfile", args)  # type: ignore[arg-type]


def test_same_inputs_give_the_same_key(context: Path) -> None:
    assert key(context) == key(context)


@pytest.mark.parametrize(
    "change",
    [
        lambda c: (c / "app" / "main.py").write_text("print('v2')\n"),
        lambda c: (c / "app" / "new.py").write_text(""),
        lambda c: (c / "Dockerfile").write_text((c / "Dockerfile").read_text() + "USER 1000\n"),
        lambda c: (c / ".dockerignore").write_text("*\n!app/\n!notes.txt\n"),
    ],
    ids=["code", "new-file", "dockerfile", "dockerignore"],
)
def test_a_change_to_what_is_built_changes_the_key(context: Path, change) -> None:
    before = key(context)
    change(context)
    assert key(context) != before


def test_a_file_dockerignore_leaves_out_does_not_change_the_key(context: Path) -> None:
    before = key(context)
    (context / "notes.txt").write_text("edited\n")
    assert key(context) == before


def test_build_args_and_a_rebuilt_base_change_the_key(context: Path) -> None:
    before = key(context)
    assert key(context, {"PYTHON_IMAGE": "base:2"}, **{"base:2": "sha256:aaa"}) != before
    assert key(context, ARGS, **{"base:1": "sha256:bbb"}) != before
