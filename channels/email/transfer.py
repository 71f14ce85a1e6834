"""Mail transactions over one SMTP connection, pipelined where the server offers it (RFC 2920).

Without PIPELINING each command waits for its reply, as SMTP always did: MAIL, each RCPT, DATA,
the message, four round trips an email. With it, an email's MAIL, RCPT and DATA go in one write
and their replies are read after; and since RFC 2920 (3.1) lets the message itself open a group,
the next email's MAIL, RCPT and DATA follow its message in the same write: one round trip an email.
DATA ends every group, so nothing is sent after a DATA before its 354 is read: a message is only
ever sent into a transaction the server has accepted.

An email whose follow-up depends on its outcome (a Cc copy is sent only after the delivery's own
email is accepted) is not pipelined into the next one. A refused transaction is reset (RSET, at the
head of the next group) before the next begins.

What a lost connection costs: every email whose message was not yet sent stays queued, to be sent on
a new connection; the one email whose message went out and whose reply never came is *in doubt*
(the server may have accepted it) and is reported so, never sent again here.
"""

from __future__ import annotations

import dataclasses
import re
from collections import deque
from collections.abc import Callable
from email.utils import parseaddr
from typing import Any

from channels.email.connection import CLOSING, ConnectionBroken, Reply, SmtpConnection
from channels.email.format import UnsendableEmail
from channels.email.wire import WireEmail

_ACCEPTED_RECIPIENT = (250, 251)
#: An address as it usually is (local@domain, nothing to quote or strip): written as it comes.
_PLAIN_MAILBOX = re.compile(r'[^\s<>"(),;:\\\[\]@]+@[^\s<>"(),;:\\\[\]@]+')
#: What would end an address on a command line or start another parameter or command (outside a
#: quoted local part), as aiosmtplib refused it: whitespace (CR and LF among it), angle brackets, quotes.
_NOT_ON_A_COMMAND_LINE = re.compile(r'[\s<>"]')
_QUOTED_LOCAL_PART = re.compile(r'^"(?:[^"\\\r\n]|\\.)*"')


def smtp_mailbox(address: str, field: str) -> str:
    """``address`` as MAIL FROM or RCPT TO carry it (a display name stripped, as aiosmtplib did);
    raises UnsendableEmail for one that cannot be written on a command line safely, or is not
    ASCII (SMTPUTF8 is not used)."""
    if _PLAIN_MAILBOX.fullmatch(address) and address.isascii():
        return address
    mailbox = parseaddr(address)[1] or address.strip()
    if _NOT_ON_A_COMMAND_LINE.search(_QUOTED_LOCAL_PART.sub("", mailbox, count=1)):
        raise UnsendableEmail(f"the {field} address cannot be written on an SMTP command line")
    if not mailbox.isascii():
        raise UnsendableEmail(f"the {field} address is not ASCII")
    return mailbox


@dataclasses.dataclass(eq=False)
class Mail:
    """One SMTP transaction: a return path, its recipients and the email, rendered when its turn
    comes (a batch's emails are never all in memory at once: each may carry files)."""

    owner: Any  # what the caller knows it by
    sender: str
    recipients: tuple[str, ...]
    render: Callable[[bool], WireEmail]  # given whether the server takes 8bit bodies (8BITMIME)
    follow_up: Mail | None = None  # sent next, only once this one is accepted
    _email: WireEmail | None = dataclasses.field(default=None, repr=False)
    _eight_bit: bool = dataclasses.field(default=True, repr=False)

    def email(self, eight_bit: bool) -> WireEmail:
        """The email, rendered once for the server it goes to."""
        if self._email is None or self._eight_bit != eight_bit:
            self._email, self._eight_bit = self.render(eight_bit), eight_bit
        return self._email

    def forget_email(self) -> None:
        """The server answered the message: its bytes are not needed again."""
        self._email = None


@dataclasses.dataclass(frozen=True)
class Result:
    """How a transaction ended: ``refusal`` None when every recipient has the email, else the first
    refusal (of MAIL, a RCPT, DATA or the message)."""

    mail: Mail
    refusal: Reply | None = None
    #: The email could not be built (the error's class): nothing of it was written.
    unbuilt: str | None = None


class ConnectionLost(Exception):
    """The connection failed mid-exchange. ``in_doubt``: the mail whose message was sent but whose
    reply never came; ``closing``: the server's 421, when it said goodbye."""

    def __init__(self, in_doubt: Mail | None, closing: Reply | None = None):
        super().__init__("the SMTP connection was lost")
        self.in_doubt, self.closing = in_doubt, closing


@dataclasses.dataclass
class _Opening:
    """The replies to one transaction's MAIL, RCPT and DATA."""

    ready: bool  # DATA answered 354: send the message
    refusal: Reply | None  # the first refusal, if any


def exchange(connection: SmtpConnection, mails: deque[Mail], finished: Callable[[Result], None]) -> None:
    """Run the transactions in ``mails`` on ``connection``, taking each off as it ends and calling
    ``finished`` with its result. Raises ConnectionLost; the mails not yet sent are left in ``mails``."""
    opened: _Opening | None = None  # the replies of mails[0]'s opening, when already read
    while mails:
        mail = mails[0]
        if opened is None:
            if not _built(connection, mails, finished):
                continue
            opened = _open(connection, mail)
        if not opened.ready:
            mails.popleft()
            connection.needs_reset = True
            finished(Result(mail, opened.refusal))
            opened = None
            continue
        mails.popleft()
        following = mails[0] if connection.pipelining and mails and mail.follow_up is None else None
        if following is not None and not _built(connection, mails, finished):
            following = None  # it failed alone; the next one opens after this message
        message = mail.email(connection.eight_bit).data + b".\r\n"
        try:
            connection.write(message + _opening_commands(connection, following) if following else message)
            end = connection.reply()
        except ConnectionBroken:
            raise ConnectionLost(in_doubt=mail) from None
        mail.forget_email()
        refusal = opened.refusal if end.code == 250 else end
        if refusal is None and mail.follow_up is not None:
            mails.appendleft(mail.follow_up)
        finished(Result(mail, refusal))
        if end.code == CLOSING:
            raise ConnectionLost(in_doubt=None, closing=end)
        opened = _read_opening(connection, following) if following is not None else None


def _built(connection: SmtpConnection, mails: deque[Mail], finished: Callable[[Result], None]) -> bool:
    """Build ``mails[0]``'s email before any of its commands is written, so an email that cannot
    be built fails alone and never leaves the server mid-transaction; when it cannot, it is taken
    off and reported (``Result.unbuilt``)."""
    mail = mails[0]
    try:
        mail.email(connection.eight_bit)
    except Exception as error:  # noqa: BLE001  (any error building it is this email's alone)
        mails.popleft()
        finished(Result(mail, unbuilt=type(error).__name__))
        return False
    return True


def _envelope_lines(connection: SmtpConnection, mail: Mail) -> list[bytes]:
    """MAIL FROM (with SIZE and BODY as the server offers), each RCPT TO, and DATA."""
    options = f" SIZE={mail.email(connection.eight_bit).octets}" if connection.declares_size else ""
    if connection.eight_bit:
        options += " BODY=8BITMIME"
    return [f"MAIL FROM:<{mail.sender}>{options}\r\n".encode("ascii"),
            *(f"RCPT TO:<{to}>\r\n".encode("ascii") for to in mail.recipients), b"DATA\r\n"]


def _opening_commands(connection: SmtpConnection, mail: Mail) -> bytes:
    """The transaction's opening as one group: RSET when due, MAIL, each RCPT, DATA."""
    lines = _envelope_lines(connection, mail)
    if connection.needs_reset:
        lines.insert(0, b"RSET\r\n")
        connection.needs_reset = False
    return b"".join(lines)


def _open(connection: SmtpConnection, mail: Mail) -> _Opening:
    """Send the transaction's opening and read its replies: in one group when pipelining, else
    command by command, stopping at the first that makes the rest pointless."""
    try:
        if connection.pipelining:
            reset = connection.needs_reset
            connection.write(_opening_commands(connection, mail))
            return _read_replies(connection, mail, reset)
        if connection.needs_reset:
            connection.write(b"RSET\r\n")
            _answer(connection.reply())
            connection.needs_reset = False
        sender, *recipients, data = _envelope_lines(connection, mail)
        connection.write(sender)
        mail_reply = _answer(connection.reply())
        if mail_reply.code != 250:
            return _Opening(False, mail_reply)
        refused = []
        for recipient in recipients:
            connection.write(recipient)
            reply = _answer(connection.reply())
            if reply.code not in _ACCEPTED_RECIPIENT:
                refused.append(reply)
        if len(refused) == len(recipients):
            return _Opening(False, refused[0])
        connection.write(data)
        data_reply = _answer(connection.reply())
        if data_reply.code != 354:
            return _Opening(False, data_reply)
        return _Opening(True, refused[0] if refused else None)
    except ConnectionBroken:
        raise ConnectionLost(in_doubt=None) from None


def _read_opening(connection: SmtpConnection, mail: Mail) -> _Opening:
    """The replies to an opening already sent (pipelined after the previous message)."""
    try:
        return _read_replies(connection, mail, reset=False)
    except ConnectionBroken:
        raise ConnectionLost(in_doubt=None) from None


def _read_replies(connection: SmtpConnection, mail: Mail, reset: bool) -> _Opening:
    if reset:
        _answer(connection.reply())
    mail_reply = _answer(connection.reply())
    recipient_replies = [_answer(connection.reply()) for _ in mail.recipients]
    data_reply = _answer(connection.reply())
    refused = [reply for reply in recipient_replies if reply.code not in _ACCEPTED_RECIPIENT]
    refusal = mail_reply if mail_reply.code != 250 else (refused[0] if refused else None)
    nobody = mail_reply.code != 250 or len(refused) == len(recipient_replies)
    if data_reply.code == 354 and nobody:
        # A server that takes DATA with no recipient (RFC 2920 says it must refuse): end the
        # message at once, empty; it has no one to go to.
        connection.write(b".\r\n")
        _answer(connection.reply())
    if data_reply.code != 354:
        return _Opening(False, refusal or data_reply)
    return _Opening(not nobody, refusal)


def _answer(reply: Reply) -> Reply:
    """The reply, unless it is the server's goodbye (421): then the connection is lost."""
    if reply.code == CLOSING:
        raise ConnectionLost(in_doubt=None, closing=reply)
    return reply
