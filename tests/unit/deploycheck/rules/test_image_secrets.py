"""IMG005, IMG007 and IMG009 without an engine: the layer reader and the secret rules over an
image archive in ``docker save`` format built here, layer by layer (the container suite builds
the same cases for real in tests/container/image/test_secret_layers.py)."""

from __future__ import annotations

import io
import json
import secrets
import tarfile
from pathlib import Path

import pytest

from deploycheck.findings import Level
from deploycheck.rules.image import (
    check_forbidden_files,
    check_secrets_in_layers,
    check_secrets_in_metadata,
)
from deploycheck.targets.image import FileEntry, Image, Layer
from deploycheck.testing.image import read_saved_layers

HEX_KEY = secrets.token_hex(20)
TOKEN = secrets.token_urlsafe(32)
CERTIFICATE = "-----BEGIN CERTIFICATE-----\n" + secrets.token_urlsafe(48) + "\n"
HELP_TEXT = (
    '"""Accepts postgres://user:password@host:port/name URLs."""\n'  # pragma: allowlist secret
)
IMAGE = Image(ref="example:test", id="sha256:" + "0" * 64, size=0)

# (created_by, {path: content or None for a whiteout}); the first is the base image's.
LAYERS: list[tuple[str, dict[str, str | None]]] = [
    ("/bin/sh -c #(nop) ADD file:0a1b in / ", {"etc/os-release": "ID=debian\n"}),
    (
        "/bin/sh -c python -c \"open('.env', 'w').write('FLASK_SECRET_KEY=' + key)\"",
        {"app/.env": f"FLASK_SECRET_KEY={HEX_KEY}\n"},
    ),
    ("/bin/sh -c rm .env", {"app/.wh..env": None}),
    ("/bin/sh -c #(nop) COPY file:9f8e in /app/settings.env ", {"app/settings.env": "A=1\n"}),
    ("/bin/sh -c sed -i s/a/a/ app/config.py", {"app/app/config.py": HELP_TEXT}),
    ("/bin/sh -c update-ca-certificates", {"etc/ssl/certs/ca-certificates.crt": CERTIFICATE}),
    (
        "/bin/sh -c pip install example==1.0",
        {"usr/local/lib/python3.11/site-packages/example/key.txt": f"API_KEY={HEX_KEY}\n"},
    ),
    ("/bin/sh -c echo $TOKEN > /tmp/deploy-token", {"tmp/deploy-token": TOKEN + "\n"}),
]


def _tar(files: dict[str, str | None]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, content in files.items():
            data = (content or "").encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def saved_image(path: Path, layers: list[tuple[str, dict[str, str | None]]]) -> Path:
    """An archive laid out as ``docker save`` writes it: manifest, config, a tar per layer."""
    history = [{"created_by": "/bin/sh -c #(nop) WORKDIR /app", "empty_layer": True}]
    history += [{"created_by": created_by} for created_by, _ in layers]
    parts = {"config.json": json.dumps({"history": history}).encode()}
    names = [f"{index}/layer.tar" for index in range(len(layers))]
    parts.update({name: _tar(files) for name, (_, files) in zip(names, layers, strict=True)})
    manifest = [{"Config": "config.json", "Layers": names}]
    parts["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(path, mode="w") as archive:
        for name, data in parts.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def layer_findings(tmp_path: Path) -> list[str]:
    """IMG009's messages over LAYERS, the base layer skipped as the container suite does."""
    with saved_image(tmp_path / "image.tar", LAYERS).open("rb") as saved:
        files = list(read_saved_layers(saved, skip=1))
    return [problem.message for problem in check_secrets_in_layers(IMAGE, files)]


def test_the_layers_hold_exactly_the_two_real_secrets(layer_findings: list[str]) -> None:
    assert [message.split()[0] for message in layer_findings] == ["/app/.env", "/tmp/deploy-token"]


def test_a_hex_key_in_a_deleted_env_file_names_its_layer_and_file(
    layer_findings: list[str],
) -> None:
    # History index 2: the WORKDIR entry (no layer) and the base's ADD come first.
    assert layer_findings[0] == (
        "/app/.env holds FLASK_SECRET_KEY set to a 40-digit hex key, deleted by a later layer but "
        "still shipped in this one: written by layer 2 (python -c \"open('.env', 'w').write("
        "'FLASK_SECRET_KEY=' + key)\")"
    )
    assert all(HEX_KEY not in message and TOKEN not in message for message in layer_findings)


def test_a_file_named_like_a_secret_holding_a_token_is_found(layer_findings: list[str]) -> None:
    assert layer_findings[1].startswith("/tmp/deploy-token holds a random-looking string")
    assert "deleted" not in layer_findings[1]


def test_the_help_text_passes_only_because_it_is_a_placeholder(tmp_path: Path) -> None:
    """The same rewrite with a real password in the URL is found: the pass is not blindness."""
    leaked = HELP_TEXT.replace("user:password@host:port", f"app:{TOKEN}@db.internal:5432")
    with saved_image(tmp_path / "image.tar", [LAYERS[0], (LAYERS[4][0], {"a.py": leaked})]).open(
        "rb"
    ) as saved:
        (finding,) = check_secrets_in_layers(IMAGE, read_saved_layers(saved, skip=1))
    assert "/a.py holds a URL with an embedded password" in finding.message


def test_image_env_look_alikes_pass_and_secrets_fail() -> None:
    env = {
        "GOOGLE_API_KEY": "no",
        "APT_KEY_DONT_WARN_ON_DANGEROUS_USAGE": "1",
        "SSL_KEY": "/etc/ssl/private/x.key",
        "AUTH0_TOKEN_SIGN_ALG": "RS256",
        "GPG_KEY": "A035C8C19219BA821ECEA86B64E628F8D684696D",  # pragma: allowlist secret
        "FLASK_SECRET_KEY": HEX_KEY,
    }
    image = Image(
        ref="example:test",
        id=IMAGE.id,
        size=0,
        config={"Env": [f"{key}={value}" for key, value in env.items()]},
        layers=(Layer(f"/bin/sh -c #(nop)  ENV FLASK_SECRET_KEY={HEX_KEY}", 0),),
    )
    findings = [problem.message for problem in check_secrets_in_metadata(image)]
    assert findings == ["image env sets FLASK_SECRET_KEY: its value is a 40-digit hex key"]


@pytest.mark.parametrize(
    ("path", "level"),
    [
        ("/app/.env", Level.ERROR),
        ("/app/.env.production", Level.ERROR),
        ("/root/.ssh/id_rsa", Level.ERROR),
        ("/app/certs/server.key", Level.ERROR),
        ("/app/.git/config", Level.WARNING),
        ("/app/tests/test_api.py", Level.WARNING),
        ("/app/.env.example", None),
        ("/app/.secrets.baseline", None),
        ("/app/.secrets.json", Level.ERROR),
        ("/app/app/keys.py", None),
        ("/root/.ssh/id_rsa.pub", None),
        ("/root/.aws/credentials", Level.ERROR),
        ("/app/app/credentials", None),
        ("/app/certs/release.jks", Level.ERROR),
        ("/app/certs/server.pem", Level.WARNING),
    ],
)
def test_forbidden_files_by_kind(path: str, level: Level | None) -> None:
    entry = FileEntry(path=path, size=10, mode=0o644, uid=0, is_dir=False)
    found = [problem.level or Level.ERROR for problem in check_forbidden_files(IMAGE, [entry])]
    assert found == ([level] if level else []), f"{path}: {found}"
