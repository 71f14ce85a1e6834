"""JOB-03: queue runs fetch the replies waiting in the district's central reply mailbox (IMAP).

Districts whose mail goes to their own server (Exchange, Google Workspace, Dovecot) point
``HOMEROOM_REPLY_DOMAIN`` at it and let that mailbox collect the answers: replies go to
``reply+<token>@<reply domain>`` and bounces to ``bounce+<token>@<reply domain>``, which a
server with plus addressing delivers to the ``reply@`` and ``bounce@`` mailboxes: route both to
the one mailbox this reads (an alias of ``bounce@`` to ``reply@``), or bounces are never recorded. Each queue run logs in (``HOMEROOM_REPLY_MAILBOX_URL``, ``imaps://`` or
``imap://``), files every unread message there exactly as ``homeroom inbound-smtp`` would
(domain.inbound.inbound_email: replies, bounces, auto-replies and replays ignored) and deletes it. There is
no RCPT here, so the addresses a message was delivered to are read from the headers the mail
server writes (Delivered-To, X-Original-To, Envelope-To) and To/Cc; only signed reply+ and bounce+
addresses count, and a bounce is trusted only through its own signed return path, never through
headers such as X-Homeroom-Delivery. Mail that names no genuine address (somebody wrote to the
mailbox itself, a forged bounce) and mail that cannot be processed are marked read and left for a
person. A crash between filing and deleting is harmless: the next run meets the same
``Message-ID`` (or the same content) and files nothing twice. A message that cannot be filed
because the database is down is left unread for the next run.
"""

from __future__ import annotations

import dataclasses
import imaplib
import logging
import ssl
from email.utils import getaddresses
from urllib.parse import unquote, urlsplit

from sqlalchemy.engine import Engine

from domain.inbound.inbound_email import is_transient, parse, receive, where
from domain.inbound.replies import ThreadFiler
from domain.support.signed_ids import SigningKeys
from models.db import session_scope

log = logging.getLogger(__name__)

#: Messages filed per run; the rest wait for the next one.
FETCH_LIMIT = 500
#: Headers that may carry the reply address the message was sent to.
ADDRESS_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")


class MailboxError(Exception):
    """The mailbox could not be read; the message never contains the URL's credentials."""


@dataclasses.dataclass(frozen=True)
class MailboxAddress:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    folder: str

    @classmethod
    def parse(cls, url: str) -> MailboxAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps"):
            raise MailboxError("the reply mailbox URL must start with imaps:// or imap://")
        if not parts.hostname or parts.username is None:
            raise MailboxError("the reply mailbox URL needs a user and a host: imaps://user:password@host/INBOX")
        secure = parts.scheme == "imaps"
        return cls(secure=secure, host=parts.hostname, port=parts.port or (993 if secure else 143),
                   user=unquote(parts.username), password=unquote(parts.password or ""),
                   folder=unquote(parts.path.lstrip("/")) or "INBOX")

    def redacted(self) -> str:
        return f"{'imaps' if self.secure else 'imap'}://{self.host}:{self.port}/{self.folder}"


@dataclasses.dataclass
class FetchReport:
    fetched: int = 0
    outcomes: dict[str, int] = dataclasses.field(default_factory=dict)
    left: int = 0  # could not be filed this run (the database is down); still unread in the mailbox
    unprocessable: int = 0  # could not be processed at all; marked read and left for a person


def addressed_to(raw: bytes) -> list[str]:
    """Every address the message names as its recipient, in header order, once each."""
    message = parse(raw)
    found: list[str] = []
    for header in ADDRESS_HEADERS:
        for _, address in getaddresses([str(value) for value in message.get_all(header, [])]):
            if address and address not in found:
                found.append(address)
    return found


def fetch_replies(engine: Engine, url: str, keys: SigningKeys, timeout: float = 30.0, *,
                  filer: ThreadFiler | None = None) -> FetchReport:
    """File every message waiting in the mailbox and delete those filed (``filer``: as inbound_email.receive)."""
    address = MailboxAddress.parse(url)
    report = FetchReport()
    try:
        client = (imaplib.IMAP4_SSL(address.host, address.port, ssl_context=ssl.create_default_context(),
                                    timeout=timeout)
                  if address.secure else imaplib.IMAP4(address.host, address.port, timeout=timeout))
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(f"cannot reach the reply mailbox {address.redacted()}: {error}") from None
    try:
        try:
            client.login(address.user, address.password)
        except imaplib.IMAP4.error:
            raise MailboxError(f"the reply mailbox {address.redacted()} refused the login") from None
        status, _ = client.select(_quoted(address.folder))
        if status != "OK":
            raise MailboxError(f"the reply mailbox has no folder {address.folder!r}")
        _, found = client.uid("SEARCH", "UNSEEN", "UNDELETED")
        uids = (found[0] or b"").split()[:FETCH_LIMIT]
        filed, not_ours = [], []
        for uid in uids:
            _, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in data if isinstance(part, tuple)), None)
            if raw is None:
                continue
            report.fetched += 1
            try:
                with session_scope(engine) as session:
                    results = receive(session, addressed_to(raw), raw, keys, filer=filer)
            except Exception as error:  # noqa: BLE001
                if is_transient(error):  # left unread for the next run
                    log.warning("could not file reply mailbox message %s (%s)", uid.decode(), where(error))
                    report.left += 1
                else:  # retrying would fail the same way
                    log.error("reply mailbox message %s cannot be processed (%s)", uid.decode(), where(error))
                    report.unprocessable += 1
                    not_ours.append(uid)
                continue
            for result in results or []:
                report.outcomes[result.outcome] = report.outcomes.get(result.outcome, 0) + 1
            ours = any(result.outcome != "IGNORED_NO_TOKEN" for result in results or [])
            (filed if ours else not_ours).append(uid)
        if not_ours:
            client.uid("STORE", b",".join(not_ours).decode(), "+FLAGS.SILENT", r"(\Seen)")
        if filed:
            client.uid("STORE", b",".join(filed).decode(), "+FLAGS.SILENT", r"(\Deleted)")
            client.expunge()
        return report
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(f"the reply mailbox {address.redacted()} failed: {error}") from None
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
