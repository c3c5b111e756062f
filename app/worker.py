"""gunicorn's gthread worker, with a thread given only to a request that has fully arrived.

Stock gthread hands a connection to a thread as soon as its first byte arrives; the thread then
blocks reading the rest. Eight clients that send ``POST /login`` headers with
``Content-Length: 1000`` and a few bytes of body held all 2 x 4 threads, and ``/health`` waited
behind them for minutes (gunicorn has no read timeout, and its worker timeout only watches the
main loop, which was fine). Here the main loop, which already waits on every socket with a
selector, collects each request's head and body (Content-Length, or chunked up to its last
chunk) without blocking, judged by gunicorn's own HTTP parser (``gunicorn.http``) on the bytes
received so far, and submits it to a thread with the bytes already read. A request not
complete within ``READ_TIMEOUT`` seconds of its first byte (or of the connection, for one that
sends nothing) is answered 408 and closed; one announcing a body over ``MAX_BODY_BYTES`` is
answered 413 and closed at once, before anything is read. A waiting client costs a socket and
its buffer, not a thread.
"""

from __future__ import annotations

import contextlib
import errno
import json
import selectors
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn.config import Config
from gunicorn.http.body import LengthReader
from gunicorn.http.errors import ParseException
from gunicorn.http.message import Request
from gunicorn.http.unreader import Unreader
from gunicorn.workers.gthread import TConn, ThreadWorker

from .config import MAX_BODY_BYTES

# Seconds from a request's first byte (a new connection's accept) until all of it must be here:
# a form or JSON body of at most MAX_BODY_BYTES needs far less on any working network.
READ_TIMEOUT = 10.0
# A request head (line and fields) larger than this is refused (431) instead of buffered.
MAX_HEAD_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024
HEAD_END = b"\r\n\r\n"


@dataclass
class Arrival:
    """The bytes of a request still arriving, and when it must be complete."""

    deadline: float
    data: bytearray = field(default_factory=bytearray)


class _Incomplete(Exception):
    """The request goes on past the bytes received so far."""


class _Received(Unreader):
    """gunicorn's parser reading the bytes received so far; past them it raises _Incomplete
    (never the end of data, which its chunked reader takes as a finished body)."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self.data = data

    def chunk(self) -> bytes:
        data, self.data = self.data, b""
        if not data:
            raise _Incomplete
        return data


def request_status(data: bytes, cfg: Config) -> int | None:
    """0 when ``data`` holds a whole request (or one gunicorn's parser will reject itself),
    None while more must arrive, else the HTTP status to answer and close with.

    The head and the body (Content-Length, or chunked to its last chunk and trailers) are read
    by gunicorn's own parser, the one the thread then serves the request with.
    """
    try:
        message = Request(cfg, _Received(data), ("", 0))
        reader = message.body.reader
        if isinstance(reader, LengthReader) and reader.length > MAX_BODY_BYTES:
            return 413  # refused unread
        body = message.body.read()
    except _Incomplete:
        head_end = data.find(HEAD_END)
        if head_end < 0:
            return 431 if len(data) > MAX_HEAD_BYTES else None
        return 413 if len(data) - head_end - len(HEAD_END) > MAX_BODY_BYTES else None
    except (ParseException, OSError):  # gunicorn's own answer (400) for a malformed request
        return 0
    return 413 if len(body) > MAX_BODY_BYTES else 0


REASONS = {408: "Request Timeout", 413: "Content Too Large", 431: "Request Header Fields Too Large"}


def refusal(status: int) -> bytes:
    """A complete HTTP response that closes the connection, with the API's JSON error shape."""
    reason = REASONS[status]
    body = json.dumps(
        {"error": {"code": reason.lower().replace(" ", "_"), "message": reason}}
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class BufferingWorker(ThreadWorker):
    """gthread, reading every request in the main loop before a thread serves it."""

    def init_process(self) -> None:
        self.arriving: dict[TConn, Arrival] = {}
        super().init_process()

    def accept(self, server: Any, listener: Any) -> None:
        try:
            sock, client = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        conn = TConn(self.cfg, sock, client, server)
        self.nr_conns += 1
        self.arriving[conn] = Arrival(time.monotonic() + READ_TIMEOUT)
        with self._lock:
            self.poller.register(
                conn.sock, selectors.EVENT_READ, partial(self.on_client_socket_readable, conn)
            )

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        arrival = self.arriving.get(conn)
        if arrival is None:
            # A kept-alive connection's next request: no longer gunicorn's to time out.
            with self._lock:
                try:
                    self._keep.remove(conn)
                except ValueError:
                    return  # murder_keepalived closed it in the meantime
            arrival = self.arriving[conn] = Arrival(time.monotonic() + READ_TIMEOUT)
        try:
            chunk = conn.sock.recv(READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.drop(conn)
            return
        arrival.data += chunk
        status = request_status(bytes(arrival.data), self.cfg)
        if status is None:
            return
        if status:
            self.drop(conn, refusal(status))
            return
        del self.arriving[conn]
        with self._lock:
            self.poller.unregister(conn.sock)
        conn.init()
        conn.parser.unreader.unread(bytes(arrival.data))
        self._wrap_future(self.tpool.submit(self.handle, conn), conn)

    def murder_keepalived(self) -> None:
        super().murder_keepalived()
        now = time.monotonic()
        for conn in [c for c, a in self.arriving.items() if a.deadline <= now]:
            sent_nothing = not self.arriving[conn].data
            if not sent_nothing:
                self.log.info("408: request from %s not received in %ss", conn.client, READ_TIMEOUT)
            self.drop(conn, None if sent_nothing else refusal(408))

    def drop(self, conn: TConn, answer: bytes | None = None) -> None:
        """Forget a connection still arriving, answering it first (best effort, no wait)."""
        self.arriving.pop(conn, None)
        with self._lock, contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        if answer:
            with contextlib.suppress(OSError):
                conn.sock.send(answer)
        self.nr_conns -= 1
        conn.close()
