"""app.worker: when a request has fully arrived, so that a thread may serve it.

The worker itself runs in the image (tests/container/image/test_slow_clients.py); these check
the decision it makes on the bytes read so far.
"""

from __future__ import annotations

import pytest
from gunicorn.config import Config

from app.config import MAX_BODY_BYTES
from app.worker import MAX_HEAD_BYTES, READ_TIMEOUT, refusal, request_status

POST = b"POST /login HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n"
CHUNKED = b"POST /api/v1/courses HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GET /health HTTP/1.1\r\nHost: a\r\n", None),  # head still arriving
        (b"GET /health HTTP/1.1\r\nHost: a\r\n\r\n", 0),
        (POST + b"email=", None),  # the hostile review's trickle: body short of its length
        (POST + b"email=a&b=", 0),
        (POST + b"email=a&b=c", 0),  # a pipelined next request may follow
        (b"POST / HTTP/1.1\r\ncontent-length:  3 \r\n\r\nabc", 0),
        (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 0),  # gunicorn answers 400 itself
        (f"POST / HTTP/1.1\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode(), 413),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * MAX_HEAD_BYTES, 431),
        (CHUNKED + b"5\r\nhello\r\n", None),
        (CHUNKED + b"5\r\nhello\r\n0\r\n\r\n", 0),
        (CHUNKED + b"zz\r\n", 0),  # malformed: gunicorn answers 400 itself
        (CHUNKED + b"10001\r\n" + b"a" * (MAX_BODY_BYTES + 1), 413),  # still arriving
        (CHUNKED + b"10001\r\n" + b"a" * (MAX_BODY_BYTES + 1) + b"\r\n0\r\n\r\n", 413),
        (CHUNKED + b"3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT", 0),  # trailers, then more
        (CHUNKED + b"3\r\nabc\r\n0\r\n", None),  # the last chunk, its final CRLF to come
        (b"GE", None),
    ],
)
def test_request_status(data: bytes, status: int | None) -> None:
    """Judged by gunicorn's own parser, with gunicorn's default settings."""
    assert request_status(data, Config()) == status


@pytest.mark.parametrize("status", [408, 413, 431])
def test_refusals_are_complete_json_answers_that_close(status: int) -> None:
    head, body = refusal(status).split(b"\r\n\r\n", 1)
    assert head.startswith(f"HTTP/1.1 {status} ".encode())
    assert b"Connection: close" in head
    assert f"Content-Length: {len(body)}".encode() in head
    assert body.startswith(b'{"error": {"code": ')


def test_the_documented_bounds_hold() -> None:
    """docs/app.md ("Slow clients") quotes 10 s and 64 KiB."""
    assert (READ_TIMEOUT, MAX_BODY_BYTES) == (10.0, 64 * 1024)
