"""gunicorn preloads the app in the master and forks the workers (gunicorn.conf.py): building
the app must open no connection, and a forked worker must open its own rather than share the
master's. Counted with SQLAlchemy's pool events and redis-py's pools, in a real ``os.fork``."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import redis
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.db import db
from app.forking import after_fork
from app.limits import EXTENSION


@contextmanager
def counting_connects() -> Iterator[list[int]]:
    """The pid of every new DBAPI connection any engine opens inside the block."""
    pids: list[int] = []

    def record(*_args: Any) -> None:
        pids.append(os.getpid())

    event.listen(Engine, "connect", record)
    try:
        yield pids
    finally:
        event.remove(Engine, "connect", record)


def redis_clients(app: Flask) -> dict[str, redis.Redis]:
    """The app's Redis clients: sessions, report cache, rate limits."""
    with app.app_context():
        return {
            "sessions": app.config["SESSION_REDIS"],
            "cache": app.config["CACHE_REDIS_HOST"],
            "limits": app.extensions[EXTENSION].storage.storage,
        }


def test_building_the_app_opens_no_connection(make_app: Callable[..., Flask]) -> None:
    with counting_connects() as connects:
        app = make_app()
    assert connects == []
    created = {
        name: client.connection_pool._created_connections
        for name, client in redis_clients(app).items()
    }
    assert created == {"sessions": 0, "cache": 0, "limits": 0}


def in_child(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` in a forked child process and return what it reported."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            report = work()
        except BaseException as error:  # the child must never return into pytest
            report = {"error": repr(error)}
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        report = json.loads(pipe.read())
    os.waitpid(pid, 0)
    return report


def own_redis_connection(client: redis.Redis) -> tuple[int, int]:
    """The pid ``client``'s pool belongs to and the server's id of the connection it used."""
    connection_id = client.client_id()
    return client.connection_pool.pid, connection_id


def test_a_forked_worker_opens_its_own_connections(app: Flask) -> None:
    client = app.test_client()
    with counting_connects() as connects:
        # The "master" now holds a PostgreSQL connection and Redis connections in its pools.
        assert client.get("/health").status_code == 200
        assert client.get("/health").status_code == 200
        with app.app_context():
            parent_pool = db.engine.pool
        assert parent_pool.checkedin() == 1
        clients = redis_clients(app)
        # Redis numbers every connection it accepts (CLIENT ID): the master's, per client.
        parent_redis = {name: c.client_id() for name, c in clients.items()}

        def worker() -> dict[str, Any]:
            after_fork(app)
            status = client.get("/health").status_code
            with app.app_context():
                fresh = db.engine.pool is not parent_pool
            return {
                "status": status,
                "fresh_pool": fresh,
                "connects_in_child": [pid for pid in connects if pid == os.getpid()],
                "child": os.getpid(),
                "redis": {name: own_redis_connection(c) for name, c in clients.items()},
            }

        report = in_child(worker)
        assert "error" not in report, report
        assert report["status"] == 200
        assert report["fresh_pool"] is True
        # The child opened exactly one PostgreSQL connection of its own instead of using the
        # master's (without after_fork it would have reused it and opened none).
        assert report["connects_in_child"] == [report["child"]]
        # Every Redis pool noticed the fork and served the child a connection of its own.
        for name, (pool_pid, connection_id) in report["redis"].items():
            assert pool_pid == report["child"], name
            assert connection_id != parent_redis[name], name
        # The master's connection is still open and its own: the child did not close it.
        assert client.get("/health").status_code == 200
        assert parent_pool.checkedin() == 1
        # ... and still usable: the master reconnected nothing (the child's list was its copy).
        assert connects == []
