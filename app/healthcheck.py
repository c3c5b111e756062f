"""Probe the running app: ``python -m app.healthcheck [PATH]`` (default ``/health``).

Used by the Docker HEALTHCHECK, so it is stdlib-only and needs neither Flask nor a database:
it GETs ``http://127.0.0.1:$PORT{PATH}`` with a 5 s timeout and exits 0 on HTTP 200, else 1
with a one-line reason on stderr.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from .config import ConfigError, listen_port

TIMEOUT_SECONDS = 5


def check(path: str = "/health", port: int | None = None) -> str | None:
    """Return None when ``path`` answers 200, else a one-line reason."""
    url = f"http://127.0.0.1:{port or listen_port()}{path}"
    # No proxy: an HTTP(S)_PROXY in the environment must not intercept a loopback probe.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        return f"{url}: {type(exc).__name__}: {exc}"
    return None if status == 200 else f"{url}: HTTP {status}"


def main(argv: list[str] | None = None) -> int:
    """Run the probe and return the exit code."""
    args = sys.argv[1:] if argv is None else argv
    try:
        reason = check(args[0] if args else "/health")
    except ConfigError as error:
        reason = "; ".join(error.problems)
    if reason is not None:
        print(f"unhealthy: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
