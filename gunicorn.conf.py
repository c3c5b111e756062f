"""gunicorn settings, read from the environment (``gunicorn -c gunicorn.conf.py``).

Threaded workers (gthread), not the seed's gevent: ``scripts/bench`` measured both side by side
under the plan's limits (docs/capacity.md), and gthread carried 20-70% more of a read-heavy mix
with a p99 no worse, and starts without monkey-patching the standard library in every worker.
The app's waits are short PostgreSQL and Redis round trips, which a few threads per worker
overlap as well as greenlets did. Two workers (``app.config.DEFAULT_WORKERS``) carried more
than three at both 0.5 and 1 CPU, with less memory.

The master imports and builds the app once and forks the workers from it (``preload_app``):
three workers importing Flask, SQLAlchemy and psycopg side by side on half a core took 3.7-5.8 s
to answer the first request. ``post_fork`` gives every worker its own database pool
(``app.forking``). gevent must never run preloaded: psycopg, imported in the master before
gevent patches the worker, would block the whole worker on every query. The bench's gevent
configurations set ``GUNICORN_PRELOAD=false``, and ``post_fork`` stops a preloaded gevent worker
(however it was selected) with one message.
"""

from __future__ import annotations

import sys

from app.config import (
    ConfigError,
    finalize,
    from_env,
    gunicorn_preload,
    listen_port,
    log_level,
    worker_count,
)
from app.logs import gunicorn_logconfig

try:
    port = listen_port()
    # Also checked by app.preflight (the image's ENTRYPOINT) before gunicorn reads it itself.
    workers = worker_count()
    # Off only for gevent (see the module docstring); post_fork enforces it.
    preload_app = gunicorn_preload()
    # Checked here, not in on_starting: a preloading master builds the app before that hook,
    # and create_app's ConfigError would reach the console as gunicorn's traceback.
    finalize(from_env(instance_path="instance"))
    loglevel = log_level().lower()
except ConfigError as error:
    # gunicorn would wrap any other exception from this file in its own traceback.
    raise SystemExit(str(error)) from None
bind = f"0.0.0.0:{port}"
# gthread, except that a thread serves a request only once all of it has arrived: a slow or
# stalled client waits in the worker's main loop, not on a thread (app/worker.py).
worker_class = "app.worker.BufferingWorker"
# Requests in progress per worker; each worker's database pool (10 + 20 overflow) covers them.
threads = 4
# Connections a worker holds open (keep-alive included) while its threads serve others.
worker_connections = 1000
timeout = 120
# Render sends SIGTERM and kills after 30 s; finish in-flight requests well before that.
graceful_timeout = 25
keepalive = 5
# Workers serve only: no ``flask db`` (Flask-Migrate and Alembic), see create_app.
wsgi_app = "app:create_app(migrations=False)"

accesslog = "-"
errorlog = "-"
# Path without the query string (%(U)s) and no referer: neither can leak a token into the log.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
logconfig_dict = gunicorn_logconfig(loglevel.upper())


def when_ready(server: object) -> None:
    """A preloading master reads the migration history for /health once, before the fork.

    Else every worker imports Alembic and reads the revision files on its first /health: 0.2 s
    at 0.5 CPU each, while the instance is waiting for its first answer. A failure here is left
    to /health, which reports it.
    """
    if not server.cfg.preload_app:  # type: ignore[attr-defined]
        return
    from app.health import known_revisions

    try:
        known_revisions()
    except Exception as exc:  # /health reads it again and says what is wrong
        server.log.warning("migration history not read before fork: %s", exc)  # type: ignore[attr-defined]


def post_fork(server: object, worker: object) -> None:
    """In each new worker: refuse gevent after a preload, else drop the inherited DB pool."""
    cfg = server.cfg  # type: ignore[attr-defined]
    if not cfg.preload_app:
        return
    if "gevent" in cfg.worker_class_str:
        server.log.error(  # type: ignore[attr-defined]
            "gevent workers need GUNICORN_PRELOAD=false: the preloaded app imported psycopg "
            "before gevent could patch it"
        )
        # gunicorn's "worker failed to boot" code: the master stops instead of respawning.
        sys.exit(3)
    from app.forking import after_fork

    after_fork(worker.app.wsgi())  # type: ignore[attr-defined]
