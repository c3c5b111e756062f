""".dockerignore and the build context: what is really sent, what the Dockerfile needs kept in.

Secret files are written at test time (never committed), with key markers split so that no
scanner mistakes this file for a key.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from deploycheck.config import Config, load_config
from deploycheck.findings import Finding, Level
from deploycheck.registry import REGISTRY, Settings, StaticSettings
from deploycheck.rules import dockerignore
from deploycheck.targets import dockerignore as dockerignore_target
from deploycheck.targets.dockerignore import BuildContext, Dockerignore

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "dockerignore"
PROJECT = load_config(REPO / ".deploycheck.yaml")
GENERIC = StaticSettings()
PRIVATE_KEY = (
    "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END " + "RSA PRIVATE KEY-----\n"
)
CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIBszCCAV2gAwIBAgIU\n-----END CERTIFICATE-----\n"
RANDOM_KEY = "9f2c" + "7a1e4b8d3c6f0a2e5b9d1c4f7a3e6b0d2c5f8a1e"  # pragma: allowlist secret
ENV_FILE = f"DEBUG=0\nFLASK_SECRET_KEY={RANDOM_KEY}\n"


def check(context: BuildContext, settings: Settings = PROJECT) -> list[Finding]:
    """The DI rules under ``settings`` (this repository's .deploycheck.yaml by default), at
    the levels it sets."""
    found = dockerignore.check(context, settings)
    return settings.apply(found) if isinstance(settings, Config) else found


def repo_context(folder: Path, ignore: str | Path) -> BuildContext:
    """A copy of this repository's build context (what Dockerfile.render COPYs) in ``folder``,
    with the .dockerignore text (or fixture file) ``ignore``."""
    for name in ("Dockerfile.render", "requirements.txt", "gunicorn.conf.py"):
        shutil.copy(REPO / name, folder / name)
    skip = shutil.ignore_patterns("__pycache__")
    for name in ("app", "migrations"):
        shutil.copytree(REPO / name, folder / name, ignore=skip)
    text = ignore.read_text(encoding="utf-8") if isinstance(ignore, Path) else ignore
    (folder / ".dockerignore").write_text(text, encoding="utf-8")
    return BuildContext.at(folder, "Dockerfile.render")


def make(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def places(found: list[Finding]) -> set[tuple[str, int | None, str]]:
    return {(f.rule_id, f.line, str(f.level)) for f in found}


def test_real_context_passes_every_rule() -> None:
    found = check(BuildContext.at(REPO, "Dockerfile.render"))
    assert found == [], "\n".join(map(str, found))


def test_the_repo_context_with_a_leaky_dockerignore_fails_on_its_own_files(
    tmp_path: Path,
) -> None:
    """The allowlist dropped: the repository's tests, docs and render.yaml (keep_out) and a
    cache would be sent; the project's config makes each an error."""
    context = repo_context(tmp_path, "**/__pycache__\n")
    make(tmp_path, {"tests/test_x.py": "", "docs/a.md": "", "render.yaml": "services: []\n"})
    (tmp_path / ".pytest_cache").mkdir()
    found = [f for f in check(context) if f.rule_id == "DI002"]
    text = "\n".join(f.message for f in found)
    assert {f.level for f in found} == {Level.ERROR}, text
    for name in ("tests/", "docs/", "render.yaml", ".pytest_cache/"):
        assert name in text, text


def test_env_let_in_is_an_error_naming_each_file_never_its_value(tmp_path: Path) -> None:
    context = repo_context(tmp_path, FIXTURES / "env-let-in.dockerignore")
    make(tmp_path, {".env": ENV_FILE, ".env.production": ENV_FILE, ".env.example": ENV_FILE})
    found = check(context)
    assert places(found) == {("DI002", 39, "error")}
    messages = " ".join(f.message for f in found)
    assert ".env (an env file setting FLASK_SECRET_KEY)" in messages
    assert ".env.production (" in messages
    assert ".env.example" not in messages
    assert RANDOM_KEY not in messages
    # Without a config a secret sent but never copied into the image is a warning.
    assert {f.level for f in check(context, GENERIC)} == {Level.WARNING}


def test_excluded_requirements_fail_where_the_dockerignore_breaks(tmp_path: Path) -> None:
    context = repo_context(tmp_path, FIXTURES / "excludes-requirements.dockerignore")
    (finding,) = check(context)
    assert (finding.rule_id, finding.line, finding.level) == ("DI003", 7, Level.ERROR)
    assert "COPYs requirements.txt, but `*` excludes requirements.txt" in finding.message


def test_a_missing_dockerignore_is_advice(tmp_path: Path) -> None:
    make(tmp_path, {"Dockerfile": "FROM alpine:3.20\nCOPY app.sh /\n", "app.sh": "true\n"})
    found = check(BuildContext.at(tmp_path), GENERIC)
    assert places(found) == {("DI001", None, "info")}


def test_every_rule_is_tripped_by_some_fixture(tmp_path: Path) -> None:
    tripped: set[str] = set()
    for index, name in enumerate(("env-let-in", "excludes-requirements")):
        folder = tmp_path / str(index)
        folder.mkdir()
        context = repo_context(folder, FIXTURES / f"{name}.dockerignore")
        make(folder, {".env": ENV_FILE})
        tripped |= {f.rule_id for f in check(context)}
    missing = BuildContext.at(tmp_path / "0", "Dockerfile.render", dockerignore="none")
    tripped |= {f.rule_id for f in check(missing)}
    assert set(REGISTRY.ids_for("context")) - tripped == set()


COPY_ALL = 'FROM python:3.12-slim\nCOPY . /app\nUSER 10001\nCMD ["python", "/app/x.py"]\n'
COPY_IN_BUILDER = (
    "FROM python:3.12-slim AS build\nCOPY . /src\nRUN python -m compileall /src\n"
    "FROM python:3.12-slim\nCOPY --from=build /src/x.py /app/\nUSER 10001\n"
    'CMD ["python", "/app/x.py"]\n'
)
NO_COPY = 'FROM python:3.12-slim\nCOPY x.py /app/\nUSER 10001\nCMD ["python", "/app/x.py"]\n'


# Each case: the files beside the Dockerfile, the Dockerfile, the level DI002 reports them at
# (None: not reported) and what its message says.
KINDS: dict[str, tuple[dict[str, str], str, str | None, str]] = {
    "key-copied-into-image": ({"deploy.pem": PRIVATE_KEY}, COPY_ALL, "error", "a private key"),
    "key-copied-into-builder": (
        {"deploy.pem": PRIVATE_KEY},
        COPY_IN_BUILDER,
        "warning",
        "build stage",
    ),
    "key-only-sent": ({"deploy.pem": PRIVATE_KEY}, NO_COPY, "warning", "one `COPY . .` away"),
    "certificate-is-public": ({"certs/ca.pem": CERTIFICATE}, COPY_ALL, None, ""),
    "key-store": ({"client.p12": "binary"}, COPY_ALL, "error", "key store"),
    "npmrc-token": (
        {".npmrc": "//registry.npmjs.org/:_authToken=npm_abc123\n"},  # pragma: allowlist secret
        COPY_ALL,
        "error",
        "credential file",
    ),
    "npmrc-reference": (
        {".npmrc": "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"},
        COPY_ALL,
        None,
        "",
    ),
    "pypirc-password": (
        {".pypirc": "[pypi]\nusername = __token__\npassword = pypi-AgEI\n"},
        COPY_ALL,
        "error",
        "credential file",
    ),
    "env-without-secrets": ({".env": "NODE_ENV=production\nPORT=3000\n"}, COPY_ALL, None, ""),
    "env-placeholder": ({".env": "SECRET_KEY=changeme\n"}, COPY_ALL, None, ""),
    "git-in-image": ({".git/HEAD": "ref: refs/heads/main\n"}, COPY_ALL, "warning", "VCS data"),
    "git-only-sent": ({".git/HEAD": "ref: refs/heads/main\n"}, NO_COPY, "info", "VCS data"),
    "venv-by-its-pyvenv-cfg": (
        {"env/pyvenv.cfg": "home = /usr/bin\n", "env/bin/python": ""},
        COPY_ALL,
        "warning",
        "virtualenv",
    ),
    "node-modules-not-entered": (
        {"node_modules/a/index.js": "", "node_modules/a/test/key.pem": PRIVATE_KEY},
        COPY_ALL,
        "warning",
        "installed dependencies",
    ),
    "caches-grouped": (
        {"a/__pycache__/x.pyc": "", "b/__pycache__/y.pyc": ""},
        COPY_ALL,
        "warning",
        "a/__pycache__/, b/__pycache__/",
    ),
}


@pytest.mark.parametrize(
    ("files", "dockerfile", "expected", "said"), list(KINDS.values()), ids=list(KINDS)
)
def test_only_real_files_of_each_kind_are_reported(
    tmp_path: Path, files: dict[str, str], dockerfile: str, expected: str | None, said: str
) -> None:
    make(tmp_path, {"Dockerfile": dockerfile, ".dockerignore": "# none\n", "x.py": "", **files})
    found = [f for f in check(BuildContext.at(tmp_path), GENERIC) if f.rule_id == "DI002"]
    if expected is None:
        assert found == []
        return
    (finding,) = found
    assert str(finding.level) == expected
    assert said in finding.message, finding.message


def test_what_the_dockerignore_keeps_out_is_not_reported(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "Dockerfile": COPY_ALL,
            ".dockerignore": ".git\n**/*.pem\n**/__pycache__\n.env*\n!.env.example\n",
            ".git/HEAD": "",
            "keys/deploy.pem": PRIVATE_KEY,
            "app/__pycache__/x.pyc": "",
            ".env": ENV_FILE,
            ".env.example": "SECRET_KEY=\n",
        },
    )
    assert check(BuildContext.at(tmp_path), GENERIC) == []


def test_the_walk_never_enters_an_excluded_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(tmp_path, {"node_modules/a/b.js": "", ".git/HEAD": "", "src/app.js": ""})
    (tmp_path / ".dockerignore").write_text("node_modules\n.git\nDockerfile\n!src/keep.js\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\n")
    entered: list[str] = []
    real = os.scandir

    def counting(path: str | os.PathLike[str]) -> object:
        entered.append(Path(path).relative_to(tmp_path).as_posix())
        return real(path)

    monkeypatch.setattr(dockerignore_target.os, "scandir", counting)
    sent = [e.path for e in BuildContext.at(tmp_path).walk()]
    assert sorted(entered) == [".", "src"]
    assert sorted(sent) == [".dockerignore", "src", "src/app.js"]


@pytest.mark.parametrize(
    ("patterns", "sent"),
    [
        pytest.param("build\n!build/app\n", ["build/app"], id="literal-reinclude"),
        pytest.param("build\n!**/keep.txt\n", ["build/deep/keep.txt"], id="doublestar-reinclude"),
        pytest.param("build\n!*/keep.txt\n", [], id="star-stays-one-level"),
    ],
)
def test_a_reinclude_inside_an_excluded_folder_is_walked(
    tmp_path: Path, patterns: str, sent: list[str]
) -> None:
    make(tmp_path, {"build/app": "", "build/other": "", "build/deep/keep.txt": ""})
    (tmp_path / ".dockerignore").write_text(patterns)
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\n")
    walked = BuildContext.at(tmp_path).walk()
    files = [e.path for e in walked if not e.is_dir and e.path.startswith("build/")]
    assert sorted(files) == sent


def test_a_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    make(tmp_path, {".dockerignore": "a\n", "api.Dockerfile.dockerignore": "b\n"})
    assert Dockerignore.for_build(tmp_path, tmp_path / "api.Dockerfile").path.name == (
        "api.Dockerfile.dockerignore"
    )
    assert Dockerignore.for_build(tmp_path, tmp_path / "Dockerfile").path.name == ".dockerignore"


def test_a_copy_source_known_only_at_build_time_is_left_alone(tmp_path: Path) -> None:
    make(tmp_path, {"Dockerfile": "FROM alpine:3.20\nARG DIR\nCOPY ${DIR}/app /app\n"})
    (tmp_path / ".dockerignore").write_text(".git\n")
    assert check(BuildContext.at(tmp_path), GENERIC) == []


def test_a_folder_whose_files_are_all_excluded_is_reported(tmp_path: Path) -> None:
    make(tmp_path, {"Dockerfile": "FROM alpine:3.20\nCOPY app/ /app/\n", "app/x.py": ""})
    (tmp_path / ".dockerignore").write_text("**/*.py\n")
    (finding,) = check(BuildContext.at(tmp_path), GENERIC)
    assert finding.rule_id == "DI003"
    assert "excludes every file under app" in finding.message


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        pytest.param("*\n!app/\n", "app/models.py", False, id="allowlisted-dir-content"),
        pytest.param("*\n!app/\n", "app", False, id="allowlisted-dir"),
        # The docker SDK's PatternMatcher gets these two wrong (moby's old parent check).
        pytest.param("*\n!app/\n**/__pycache__\n", "app/x/__pycache__/m.pyc", True, id="deep"),
        pytest.param("**/__pycache__\n", "__pycache__/m.pyc", True, id="doublestar-at-root"),
        pytest.param("*.MD\n", "README.md", False, id="case-matters"),
        pytest.param("*\n!app/\n", "Dockerfile.render", True, id="dockerfile-itself-excluded"),
        pytest.param("# .env\n", ".env", False, id="comment-is-not-a-pattern"),
        pytest.param("/.env\n", ".env", True, id="leading-slash"),
        pytest.param(".env*\n", "app/.env", False, id="single-star-stays-at-root"),
        pytest.param("tests\n", "tests/config/test_x.py", True, id="dir-excludes-children"),
    ],
)
def test_docker_matching_semantics(
    tmp_path: Path, patterns: str, path: str, excluded: bool
) -> None:
    (tmp_path / ".dockerignore").write_text(patterns, encoding="utf-8")
    assert Dockerignore(tmp_path / ".dockerignore").excludes(path) is excluded
