"""Byte-compile, at image build time, every module the server loads before it can answer.

The official ``python`` images delete the standard library's ``.pyc`` files, and this image sets
``PYTHONDONTWRITEBYTECODE`` (the code is read-only for appuser anyway), so without this step every
container start compiles about 190 standard-library modules from source, at 0.5 CPU, before the
first answer. Importing what the gunicorn master imports (its entry point, the worker class and
the production app with every extension) and compiling each loaded module that has no cached
byte-code writes exactly that set: 4.8 MB, not the 14 MB of the whole standard library.
Dependencies are already compiled by pip, the app by ``compileall``; both are checked anyway.

Run as root in the Dockerfile: ``python -m app.precompile``. Building the app opens no database
or Redis connection (``tests/container/app/test_preload.py``), so the URLs below are never dialled;
the secrets are throwaway values that live only in this process.
"""

from __future__ import annotations

import importlib
import importlib.util
import py_compile
import secrets
import sys
from pathlib import Path

# What the image's entry point, the gunicorn master (gunicorn.conf.py included) and a gthread
# worker import besides the app. tests/container/image/test_startup.py fails when a module
# loaded before the first answer is still compiled at run time, so this list cannot drift.
BOOT_MODULES = (
    "app.preflight",
    "app.healthcheck",
    "multiprocessing",
    "gunicorn.app.wsgiapp",
    "gunicorn.arbiter",
    "gunicorn.glogging",
    "gunicorn.workers.gthread",
    "concurrent.futures.thread",
    # psycopg resolves the database host name with the IDNA codec on the first connection.
    "encodings.idna",
)


def build_production_app() -> None:
    """``create_app`` as a production worker runs it, so every extension imports its modules,
    then the migration history the master reads for /health (gunicorn.conf.py's when_ready)."""
    from cryptography.fernet import Fernet

    from app import create_app
    from app.health import known_revisions

    create_app(
        {
            "APP_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "API_TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SESSION_COOKIE_SECURE": True,
            "CORS_ORIGINS": ["https://precompile.invalid"],
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://precompile@127.0.0.1:1/precompile",
            "REDIS_URL": "redis://127.0.0.1:1/0",
        },
        migrations=False,
    )
    known_revisions()


def uncompiled_sources() -> list[Path]:
    """Source files of loaded modules whose byte-code is not cached next to them."""
    found = []
    for module in list(sys.modules.values()):
        spec = getattr(module, "__spec__", None)
        origin = getattr(spec, "origin", None)
        if not origin or not origin.endswith(".py") or not getattr(spec, "cached", None):
            continue
        if not Path(spec.cached).exists():
            found.append(Path(origin))
    return sorted(set(found))


def main() -> int:
    for name in BOOT_MODULES:
        importlib.import_module(name)
    build_production_app()
    sources = uncompiled_sources()
    for source in sources:
        py_compile.compile(str(source), importlib.util.cache_from_source(str(source)), doraise=True)
    print(f"precompile: {len(sources)} modules byte-compiled", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
