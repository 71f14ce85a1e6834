"""SMTP connections for the ``smtp`` plugin: one per worker thread, reused across batches.

Dispatch hands a plugin its batches from several Dramatiq worker threads of one process at once,
so each thread keeps a connection of its own (:class:`ThreadConnections`): opening one costs a TCP
handshake, the greeting, EHLO and, in production, TLS and AUTH, for every batch of up to 500.
A connection idle for a few seconds answers a RSET before it is used again; one idle longer than
the configured lifetime is closed unused (servers drop idle clients: RFC 5321 lets them after five
minutes, many do sooner); one that failed is discarded.

The connection is the standard library's blocking ``smtplib.SMTP``. Measured on the 2-CPU machine
of docs/performance.md against an aiosmtpd sink in its own process, one connection, 3,000 small
emails: aiosmtplib's client 660-1,120 emails/s, smtplib 1,740-1,780/s, smtplib pipelining
2,300-3,000/s; a thread blocked on a socket needs no event loop of its own either.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable


@dataclasses.dataclass(frozen=True)
class Reply:
    """A server's reply: its code and its text (lines joined by newlines)."""

    code: int
    text: str


#: "Service not available, closing transmission channel" (RFC 5321 3.8): the server goes away.
CLOSING = 421


class ConnectionBroken(Exception):
    """The connection failed (closed, timed out, garbled); it cannot be used again."""


@functools.cache
def local_hostname() -> str:
    """The name EHLO gives, looked up once per process (``socket.getfqdn`` may ask DNS)."""
    return socket.getfqdn()


class SmtpConnection:
    """One open, greeted (and, as configured, encrypted and authenticated) SMTP session."""

    def __init__(self, client: smtplib.SMTP):
        self._client = client
        features = client.esmtp_features
        self.pipelining = "pipelining" in features  # RFC 2920
        self.eight_bit = "8bitmime" in features  # RFC 6152
        self.declares_size = "size" in features  # RFC 1870
        self.process = os.getpid()
        self.last_used = time.monotonic()
        self.needs_reset = False  # a refused transaction may have left a sender or recipients behind

    @classmethod
    def open(cls, *, host: str, port: int, security: str, timeout: float, tls_context: ssl.SSLContext | None,
             username: str | None, password: str | None) -> SmtpConnection:
        """Connect, greet, STARTTLS and log in as configured. Raises smtplib.SMTPException or OSError."""
        if security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, local_hostname=local_hostname(), timeout=timeout,
                                                   context=tls_context)
        else:
            client = smtplib.SMTP(host, port, local_hostname=local_hostname(), timeout=timeout)
        try:
            client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client.ehlo_or_helo_if_needed()
            if security == "starttls":
                client.starttls(context=tls_context)
                client.ehlo()
            if username:
                client.login(username, password or "")
        except BaseException:
            client.close()
            raise
        return cls(client)

    def write(self, data: bytes) -> None:
        """Send commands (or a message) as they are; raises ConnectionBroken."""
        try:
            self._client.send(data)
        except (smtplib.SMTPException, OSError) as error:
            raise ConnectionBroken(type(error).__name__) from error
        self.last_used = time.monotonic()

    def reply(self) -> Reply:
        """The next reply; raises ConnectionBroken when none can be read."""
        try:
            code, text = self._client.getreply()
        except (smtplib.SMTPException, OSError) as error:
            raise ConnectionBroken(type(error).__name__) from error
        if code < 0:
            raise ConnectionBroken("a reply without a code")
        return Reply(code, text.decode("utf-8", "replace"))

    def idle_seconds(self) -> float:
        return time.monotonic() - self.last_used

    def answers(self) -> bool:
        """True when the server answers a RSET (which also clears anything a transaction left)."""
        try:
            self.write(b"RSET\r\n")
            answered = self.reply().code == 250
        except ConnectionBroken:
            return False
        self.needs_reset = not answered
        return answered

    def quit(self) -> None:
        """Say goodbye and close; quietly, whatever the server does."""
        try:
            self._client.quit()
        except (smtplib.SMTPException, OSError):
            self._client.close()

    def drop(self) -> None:
        """Close without a word: the connection failed, or belongs to another process."""
        self._client.close()


class ThreadConnections:
    """Each thread's one connection: reused while fresh, checked after a pause, replaced when stale
    or broken. ``max_idle_seconds`` 0 closes it after every batch (a connection per batch)."""

    def __init__(self, opener: Callable[[], SmtpConnection], *, check_after_seconds: float, max_idle_seconds: float):
        self._opener = opener
        self.check_after_seconds, self.max_idle_seconds = check_after_seconds, max_idle_seconds
        self._local = threading.local()

    def acquire(self) -> SmtpConnection:
        """This thread's connection, opened when there is none fit to use. Raises what
        :meth:`SmtpConnection.open` raises."""
        connection: SmtpConnection | None = getattr(self._local, "connection", None)
        if connection is not None:
            idle = connection.idle_seconds()
            if connection.process != os.getpid():  # inherited through a fork: the parent's socket
                self._local.connection = connection = None
            elif idle > self.max_idle_seconds or (idle > self.check_after_seconds and not connection.answers()):
                self.discard()
                connection = None
        if connection is None:
            connection = self._opener()
            self._local.connection = connection
        return connection

    def release(self) -> None:
        """The batch is done: keep the connection for the next, or close it when reuse is off."""
        if self.max_idle_seconds <= 0:
            self.close()

    def discard(self) -> None:
        """Close this thread's connection without a word (it failed or is stale)."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.drop()

    def close(self) -> None:
        """QUIT this thread's connection, if it has one."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.quit()
