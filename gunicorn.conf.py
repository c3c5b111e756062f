"""gunicorn settings, read from the environment (``gunicorn -c gunicorn.conf.py``).

Threaded workers (gthread), not the seed's gevent: ``scripts/bench`` measured both side by side
under the plan's limits (docs/capacity.md), and gthread carried 20-70% more of a read-heavy mix
with a p99 no worse, and starts without monkey-patching the standard library in every worker.
The app's waits are short PostgreSQL and Redis round trips, which a few threads per worker
overlap as well as greenlets did. Workers load ``wsgi_app`` themselves (``preload_app`` off), so
no connection opened in the master is shared across the fork.
"""

from __future__ import annotations

import multiprocessing

from app.config import ConfigError, finalize, from_env, listen_port, log_level, worker_count
from app.logs import gunicorn_logconfig

try:
    port = listen_port()
    # Also checked by app.preflight (the image's ENTRYPOINT) before gunicorn reads it itself.
    workers = worker_count(min(2 * multiprocessing.cpu_count() + 1, 3))
except ConfigError as error:
    # gunicorn would wrap any other exception from this file in its own traceback.
    raise SystemExit(str(error)) from None
bind = f"0.0.0.0:{port}"
worker_class = "gthread"
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
# Loaded per worker: nothing the app opens at start-up is shared by forked processes.
preload_app = False

accesslog = "-"
errorlog = "-"
loglevel = log_level().lower()
# Path without the query string (%(U)s) and no referer: neither can leak a token into the log.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
logconfig_dict = gunicorn_logconfig(loglevel.upper())


def on_starting(server: object) -> None:
    """Check the configuration once, in the master: an unsafe production setting stops gunicorn
    with the app's one clear message instead of a traceback from every worker that boots."""
    try:
        finalize(from_env(instance_path="instance"))
    except ConfigError as error:
        server.log.error("%s", error)  # type: ignore[attr-defined]
        raise SystemExit(1) from None
