"""The package people install: ``python -m build`` gives an sdist and a wheel with complete
metadata, and the wheel, installed into a fresh venv outside the repository, checks a project
outside the repository. The wheel holds the checker and its data, nothing of the app."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import deploycheck

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        # Nothing of this checkout may leak into the fresh venv's imports.
        env={k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}},
    )
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and wheel ``python -m build`` makes from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    done = run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def wheel_of(dist: Path) -> Path:
    (wheel,) = dist.glob("deploycheck-*.whl")
    return wheel


def test_the_wheel_and_sdist_carry_complete_metadata(dist: Path) -> None:
    version = deploycheck.__version__
    assert wheel_of(dist).name == f"deploycheck-{version}-py3-none-any.whl"
    assert (dist / f"deploycheck-{version}.tar.gz").is_file()
    with zipfile.ZipFile(wheel_of(dist)) as wheel:
        text = wheel.read(f"deploycheck-{version}.dist-info/METADATA").decode()
    meta = Parser().parsestr(text)
    assert meta["Version"] == version
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["License-Expression"] == "MIT"
    assert meta["Summary"]
    assert meta.get_all("Project-URL"), "no Project-URL"
    classifiers = meta.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert any(line.startswith("PyYAML") for line in meta.get_all("Requires-Dist") or [])
    assert "deploycheck" in meta.get_payload(), "the README is not the long description"


def test_the_wheel_holds_the_checker_and_its_data_and_nothing_of_the_app(dist: Path) -> None:
    with zipfile.ZipFile(wheel_of(dist)) as wheel:
        names = wheel.namelist()
    packages = {name.split("/")[0] for name in names}
    assert packages == {"deploycheck", f"deploycheck-{deploycheck.__version__}.dist-info"}
    for data in (
        "deploycheck/schemas/render-blueprint.schema.json",
        "deploycheck/schemas/pre-commit-config.schema.json",
        "deploycheck/py.typed",
        "deploycheck/data/render-prices.yaml",
    ):
        assert data in names, data
    assert not [name for name in names if name.startswith(("app/", "tests/", "migrations/"))]
    with tarfile.open(dist / f"deploycheck-{deploycheck.__version__}.tar.gz") as sdist:
        members = [member.name.split("/", 1)[-1] for member in sdist.getmembers()]
    assert "LICENSE" in members
    assert "pyproject.toml" in members
    assert not [name for name in members if name.startswith(("app/", "migrations/"))]


def test_the_installed_wheel_checks_a_project_outside_the_repository(
    dist: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    # A venv without pip of its own (ensurepip alone takes 20 s): this pip installs into it.
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    done = run(sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel_of(dist))
    assert done.returncode == 0, done.stderr[-3000:]
    script = env_dir / "bin" / "deploycheck"

    version = run(script, "--version", cwd=tmp_path)
    assert (version.returncode, version.stdout.strip()) == (
        0,
        f"deploycheck {deploycheck.__version__}",
    )

    project = tmp_path / "project"
    project.mkdir()
    (project / "Dockerfile").write_text(
        'FROM python:3.12-slim\nWORKDIR /srv\nCOPY app.py .\nUSER 10001\nCMD ["python", "app.py"]\n'
    )
    (project / "app.py").write_text("print('hello')\n")
    (project / ".dockerignore").write_text(".git\n")
    (project / "render.yaml").write_text(
        "services:\n  - type: web\n    name: hello\n    runtime: docker\n    plan: starter\n"
        "    healthCheckPath: /health\n"
    )
    clean = run(script, "dockerfile", cwd=project)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    blueprint = run(script, "blueprint", "--no-crossfile", cwd=project)
    assert blueprint.returncode == 0, blueprint.stdout + blueprint.stderr
    # The schemas came with the wheel: a typo'd key fails against them.
    (project / "render.yaml").write_text("services:\n  - type: web\n    nmae: hello\n")
    broken = run(script, "blueprint", "--no-crossfile", cwd=project)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "SCH001" in broken.stdout
    # The price table came with it too.
    priced = run(script, "cost", cwd=project)
    assert priced.returncode == 0, priced.stdout + priced.stderr
    assert "prices: https://render.com/pricing" in priced.stdout
    where = run(python, "-c", "import deploycheck; print(deploycheck.__file__)", cwd=project)
    assert str(env_dir) in where.stdout, where.stdout
