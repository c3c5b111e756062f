"""gunicorn's gthread worker, with a thread given only to a request that has fully arrived.

Stock gthread hands a connection to a thread as soon as its first byte arrives; the thread then
blocks reading the rest. Eight clients that send ``POST /login`` headers with
``Content-Length: 1000`` and a few bytes of body held all 2 x 4 threads, and ``/health`` waited
behind them for minutes (gunicorn has no read timeout, and its worker timeout only watches the
main loop, which was fine). Here the main loop, which already waits on every socket with a
selector, collects each request's head and body (Content-Length, or chunked up to its last
chunk) without blocking, and submits it to a thread with the bytes already read. A request not
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


def chunked_length(body: bytes) -> int | None:
    """Bytes of a complete chunked body at the start of ``body`` (trailers included), or None
    while it is incomplete. A malformed size line raises ValueError."""
    pos = 0
    while True:
        line_end = body.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size = int(body[pos:line_end].split(b";", 1)[0].strip(), 16)
        if size == 0:
            end = body.find(HEAD_END, line_end)
            return None if end < 0 else end + len(HEAD_END)
        pos = line_end + 2 + size + 2
        if pos > len(body):
            return None


def request_status(data: bytes) -> int | None:
    """0 when ``data`` holds a whole request (or one gunicorn's parser will reject itself),
    None while more must arrive, else the HTTP status to answer and close with."""
    head_end = data.find(HEAD_END)
    if head_end < 0:
        return 431 if len(data) > MAX_HEAD_BYTES else None
    length, chunked = 0, False
    for line in data[:head_end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return 0  # gunicorn answers 400 for it
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    body = data[head_end + len(HEAD_END) :]
    if chunked:
        try:
            complete = chunked_length(body)
        except ValueError:
            return 0
        if complete is None:
            return 413 if len(body) > MAX_BODY_BYTES else None
        return 0
    if length > MAX_BODY_BYTES:
        return 413
    return 0 if len(body) >= length else None


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
        status = request_status(bytes(arrival.data))
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
