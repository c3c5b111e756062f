"""gunicorn settings, read from the environment (``gunicorn -c gunicorn.conf.py``).

gevent and psycopg 3: the gevent worker calls ``gevent.monkey.patch_all()`` in each worker
before it loads ``wsgi_app``, and this file does not import the app, Flask or psycopg. When
psycopg 3 is imported it notices gevent's patching and uses its pure-Python wait functions,
which wait through the patched ``select`` and so yield to other greenlets; imported before the
patching it would keep its C wait function, which blocks the whole worker. No psycogreen-style
hook is needed (psycopg2 needed one because libpq blocked inside C). A unit test
(tests/unit/test_gunicorn_conf.py) checks that choice.
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
worker_class = "gevent"
worker_connections = 1000
timeout = 120
# Render sends SIGTERM and kills after 30 s; finish in-flight requests well before that.
graceful_timeout = 25
keepalive = 5
wsgi_app = "app:create_app()"
# Loaded per worker, after gevent has patched the standard library.
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
