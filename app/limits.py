"""Rate limits per client address and endpoint, counted by the ``limits`` package.

Every endpoint gets ``RATELIMIT_DEFAULT``; writes (and failed token checks) on the API and the
form views also get ``RATELIMIT_WRITE``. The counters live in Redis when REDIS_URL is set, so
every instance and worker enforces one shared limit per client, else in process memory.

This is the little Flask glue the app needs, not Flask-Limiter: Flask-Limiter worked out each
request's limits, exemptions and headers again on every request, 0.38 ms of a cached read's
1.41 ms (docs/capacity-history.md). Here an endpoint's limits are worked out once per app, and
a hit is one round trip (``app.limit_storage``). The limit grammar, the storages and the keys
are the ``limits`` package's, as before: fixed windows, counted in
``LIMITS:LIMITER/<client>/<endpoint>/<amount>/<multiples>/<period>``.

If Redis fails, the request is counted in process memory and so are the next ones, until the
app's outage breaker (``app.breaker``) lets one request try Redis again: limits stay enforced,
only per worker, and no request waits out the socket timeout more than once in that time.
``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False`` makes a storage failure fail the request.

A request's count also reads the cache entries its credential needs (``auth.Credential``: the
token's grant and, for a cached read, the course version and the report) when the cache lives
in the same Redis database, so a cached read is one round trip.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import current_app, g, request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from werkzeug.exceptions import TooManyRequests

from . import breaker, cache, limit_storage
from .auth import Credential
from .breaker import RETRY_AFTER_FAILURE_SECONDS
from .redis_client import SOCKET_TIMEOUT, same_database

if TYPE_CHECKING:
    from flask import Blueprint, Flask, Response

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXTENSION = "rate_limits"
POLICY = "rate_limit_policy"


@dataclass
class Policy:
    """Which of an app's blueprints are exempt and which get the write limit
    (``app.extensions``, filled by the modules' ``init_app``)."""

    exempt: set[str] = field(default_factory=set)
    write_limited: set[str] = field(default_factory=set)


def policy(app: Flask) -> Policy:
    """``app``'s policy, made on first use."""
    found: Policy = app.extensions.setdefault(POLICY, Policy())
    return found


def exempt(app: Flask, bp: Blueprint) -> None:
    """Count nothing on ``bp`` in ``app`` (``/health``: Render's probe must never be refused)."""
    policy(app).exempt.add(bp.name)


def write_limit(app: Flask, bp: Blueprint) -> None:
    """Also apply ``RATELIMIT_WRITE`` to ``bp``'s POST, PUT, PATCH and DELETE requests in
    ``app``."""
    policy(app).write_limited.add(bp.name)


@dataclass(frozen=True)
class Verdict:
    """The limit a response reports in its X-RateLimit headers."""

    limit: RateLimitItem
    remaining: int
    reset_at: float
    breached: bool


class RateLimits:
    """One app's limits and storages (``app.extensions["rate_limits"]``)."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.default = tuple(parse_many(str(config["RATELIMIT_DEFAULT"])))
        self.write = tuple(parse_many(str(config["RATELIMIT_WRITE"])))
        self.storage: Storage = storage_from_string(
            config["RATELIMIT_STORAGE_URI"], **config["RATELIMIT_STORAGE_OPTIONS"]
        )
        fallback_enabled = config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"]
        self.fallback: Storage | None = MemoryStorage() if fallback_enabled else None
        self.policy = policy(app)
        self.outage = breaker.of(app)
        self._resolved: dict[tuple[str, bool], tuple[RateLimitItem, ...]] = {}
        # Whether a count also reads the credential's cache entries: only when they live in
        # the storage's Redis database (read elsewhere they would be stale).
        keys_client = cache.redis_client(app)
        self.reads_along = (
            isinstance(self.storage, limit_storage.CountingRedisStorage)
            and keys_client is not None
            and same_database(self.storage.get_connection(), keys_client)
        )

    def limits_for(
        self, endpoint: str, blueprint: str | None, write: bool
    ) -> tuple[RateLimitItem, ...]:
        """The limits of a request to ``endpoint``, worked out on its first request."""
        key = (endpoint, write)
        resolved = self._resolved.get(key)
        if resolved is None:
            if blueprint in self.policy.exempt or endpoint.rpartition(".")[2] == "static":
                resolved = ()
            else:
                extra = self.write if write and blueprint in self.policy.write_limited else ()
                # Once each (a limit in both settings is one counter), shortest period first:
                # counting stops at the first breach, so a refused burst does not use up a
                # longer window's allowance as well.
                unique = dict.fromkeys(self.default + extra)
                resolved = tuple(sorted(unique, key=RateLimitItem.get_expiry))
            self._resolved[key] = resolved
        return resolved

    def check(
        self,
        limits: tuple[RateLimitItem, ...],
        identifiers: tuple[str, str],
        read_along: Sequence[str] = (),
    ) -> tuple[Verdict, list[bytes | None] | None]:
        """Count the request against ``limits``: in the storage, or in memory while it is down.

        Also the values of the ``read_along`` keys, or None when they were not read (memory).
        """
        # Without a fallback every request asks the storage, whatever else found Redis down.
        if self.fallback is None or self.outage.allows():
            try:
                counted = _count(self.storage, limits, identifiers, read_along)
            except self.storage.base_exceptions as exc:
                if self.fallback is None:
                    raise
                self.outage.failed()
                log.warning(
                    "rate-limit storage unavailable (%s); counting in memory for %.0f s",
                    type(exc).__name__,
                    RETRY_AFTER_FAILURE_SECONDS,
                )
            else:
                if self.outage.succeeded():
                    log.info("rate-limit storage answering again")
                return counted
        assert self.fallback is not None  # tried above when there is none
        return _count(self.fallback, limits, identifiers)


def _count(
    storage: Storage,
    limits: tuple[RateLimitItem, ...],
    identifiers: tuple[str, str],
    read_along: Sequence[str] = (),
) -> tuple[Verdict, list[bytes | None] | None]:
    """Hit each limit until one is breached; the verdict is that one, else the tightest.

    The first hit reads the ``read_along`` keys too.
    """
    verdicts = []
    values = None
    for index, item in enumerate(limits):
        key, expiry = item.key_for(*identifiers), item.get_expiry()
        if index:
            hits, reset_at, _ = limit_storage.count(storage, key, expiry)
        else:
            hits, reset_at, values = limit_storage.count(storage, key, expiry, read_along)
        verdict = Verdict(item, max(0, item.amount - hits), reset_at, breached=hits > item.amount)
        if verdict.breached:
            return verdict, values
        verdicts.append(verdict)
    return min(verdicts, key=lambda v: v.remaining), values


def _client() -> str:
    # ProxyFix (production) has already put the client's address from X-Forwarded-For here.
    return request.remote_addr or "127.0.0.1"


def count_request() -> None:
    """A ``before_request`` hook: 429 once the client is over one of the endpoint's limits;
    the credential's cache entries read along with the count."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: 404 / 405 come next, nothing to count
        return
    rate_limits: RateLimits = current_app.extensions[EXTENSION]
    limits = rate_limits.limits_for(endpoint, request.blueprint, request.method in WRITE_METHODS)
    if not limits:
        return
    credential: Credential | None = g.credential
    along = credential.keys if credential is not None and rate_limits.reads_along else []
    verdict, values = rate_limits.check(limits, (_client(), endpoint), cache.redis_keys(along))
    if credential is not None and along and values is not None:
        credential.read_along(cache.decode(values))
    g.rate_limit = verdict
    if verdict.breached:
        log.info("rate limit %s exceeded at %s", verdict.limit, endpoint)
        # Rounded up: a client that waits exactly this long finds the window over.
        retry_after = max(1, math.ceil(verdict.reset_at - time.time()))
        raise TooManyRequests(
            f"Too many requests: the limit is {verdict.limit}", retry_after=retry_after
        )


def add_headers(response: Response) -> Response:
    """An ``after_request`` hook: X-RateLimit-Limit, -Remaining and -Reset of the verdict."""
    # Popped: ``g`` outlives the request when the caller holds an app context (tests, CLI).
    verdict: Verdict | None = g.pop("rate_limit", None)
    if verdict is not None:
        response.headers["X-RateLimit-Limit"] = str(verdict.limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(verdict.remaining)
        response.headers["X-RateLimit-Reset"] = str(math.ceil(verdict.reset_at))
    return response


def init_app(app: Flask) -> None:
    """Configure the storage from REDIS_URL and the limits from RATELIMIT_* settings; count
    after ``auth.load_credential`` (registered before this), so the count can read along."""
    redis_url = app.config.get("REDIS_URL")
    # The counting storage of app.limit_storage: one round trip per limit, not three.
    storage_uri = f"{limit_storage.PREFIX}{redis_url}" if redis_url else "memory://"
    options: dict[str, Any] = (
        {"socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": SOCKET_TIMEOUT}
        if redis_url
        else {}
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", options)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    policy(app)
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    app.extensions[EXTENSION] = RateLimits(app)
    app.before_request(count_request)
    if app.config["RATELIMIT_HEADERS_ENABLED"]:
        app.after_request(add_headers)
