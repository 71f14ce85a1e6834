"""An email as the bytes SMTP's DATA carries, with what the emails of one message share built once.

:func:`~channels.email.format.compose_email` builds a whole ``EmailMessage`` per delivery, and the
email package parses, folds and serialises every header and part of it: 0.6 ms an email with two
short bodies, 3.5 ms with one small attachment (on the 2-CPU machine of docs/performance.md), more
than the SMTP exchange itself. Most of that is the same for every email of one message: the bodies,
the files, From, Subject, Content-Language, the MIME structure. :class:`EmailShapes` serialises that
part once per *shape*, and writes per delivery only the headers that differ (To, Cc, Reply-To,
Date, Message-ID, X-Homeroom-Delivery, List-Unsubscribe), in compose_email's order.

A shape is keyed by the texts themselves (sender name, subject, both bodies, language, files), never
by the message id: insert fields give two envelopes of one message different bodies.

The result equals compose_email's message in content (tests/channels/test_email_wire.py parses
both, header by header and part by part). A per-delivery header is written as the email package
writes it when it fits a 78-character line of printable ASCII (the usual case, byte for byte), else
it is folded by the email package itself; except List-Unsubscribe, whose URL is written on one line
(within RFC 5322's 998) instead of the RFC 2047 encoded words the email package makes of a long
URL, which have no place between RFC 2369's angle brackets.
"""

from __future__ import annotations

import collections
import dataclasses
import email.policy
import re
import threading
import time
from email.generator import BytesGenerator
from email.policy import EmailPolicy
from email.utils import formatdate
from io import BytesIO

from channels.base import EmailEnvelope
from channels.email.format import (
    ONE_CLICK,
    cc_field,
    compose_email,
    message_id_field,
    recipient_field,
    unsubscribe_field,
)

#: The headers compose_email writes per delivery; a shape leaves them out.
PER_DELIVERY = frozenset({"to", "cc", "reply-to", "date", "message-id", "x-homeroom-delivery",
                          "list-unsubscribe", "list-unsubscribe-post"})
#: The policy an EmailMessage stores its headers with (it refuses line breaks in a value).
_STORE = email.policy.default
_LINE_BREAKS = re.compile(rb"\r\n|\r|\n")
_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)
_MAX_LINE = 78
_ONE_CLICK_LINE = f"List-Unsubscribe-Post: {ONE_CLICK}\r\n".encode("ascii")


def wire_policy(*, eight_bit: bool) -> EmailPolicy:
    """How the message is serialised for a server: CRLF lines, 8bit bodies only where it offers
    8BITMIME (as aiosmtplib's send_message did)."""
    return email.policy.SMTP if eight_bit else email.policy.SMTP.clone(cte_type="7bit")


def header_line(name: str, value: str, policy: EmailPolicy) -> bytes:
    """``name: value`` as a folded header line, as the email package writes it."""
    if value and value.isascii() and value.isprintable() and len(name) + 2 + len(value) <= _MAX_LINE:
        return f"{name}: {value}\r\n".encode("ascii")
    return policy.fold_binary(name, _STORE.header_store_parse(name, value)[1])


def unsubscribe_line(value: str, policy: EmailPolicy) -> bytes:
    """List-Unsubscribe: its ``<URL>`` on one line, never as encoded words."""
    if value.isascii() and value.isprintable() and " " not in value and len(value) <= 980:
        return f"List-Unsubscribe: {value}\r\n".encode("ascii")
    return header_line("List-Unsubscribe", value, policy)


def dot_stuffed(data: bytes) -> bytes:
    """``data`` with CRLF line ends and each line that starts with "." given another (RFC 5321
    4.5.2), ending with CRLF: ready for DATA but for the final ".\\r\\n"."""
    data = _LINE_BREAKS.sub(b"\r\n", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return _LEADING_DOT.sub(b"..", data)


@dataclasses.dataclass(frozen=True)
class EmailShape:
    """What every email of one shape shares, serialised."""

    from_line: bytes
    subject_line: bytes
    auto_submitted_line: bytes  # empty unless the email is an automatic answer
    tail: bytes  # MIME-Version, Content-*, the blank line and the body: CRLF, dot-stuffed
    tail_octets: int  # the tail's size before dot-stuffing (for SIZE, RFC 1870)


@dataclasses.dataclass(frozen=True)
class DeliveryHeaders:
    """The headers that are one email's own, written around its shape's: small, so a batch's can
    all be made (and checked) before the first is sent."""

    recipients_part: bytes  # To, Cc, Reply-To: between From and Subject
    identity_part: bytes  # Date, Message-ID, X-Homeroom-Delivery: between Subject and Auto-Submitted
    unsubscribe_part: bytes  # List-Unsubscribe and its -Post: before the MIME headers
    message_id: str  # without its angle brackets: the provider id of a Sent


@dataclasses.dataclass(frozen=True)
class WireEmail:
    """One email ready for DATA."""

    data: bytes  # CRLF lines, dot-stuffed, ending with CRLF; without the final "."
    octets: int  # the message's size before dot-stuffing (for SIZE, RFC 1870)
    message_id: str


def assemble(shape: EmailShape, headers: DeliveryHeaders) -> WireEmail:
    """The email: the shape's headers and the delivery's, in compose_email's order, then the body."""
    head = b"".join((shape.from_line, headers.recipients_part, shape.subject_line, headers.identity_part,
                     shape.auto_submitted_line, headers.unsubscribe_part))
    return WireEmail(head + shape.tail, len(head) + shape.tail_octets, headers.message_id)


def shape_of(envelope: EmailEnvelope, *, from_address: str, message_id_domain: str,
             policy: EmailPolicy) -> EmailShape:
    """The shared part of ``envelope``'s email: compose_email's message, serialised once, less
    the headers that are the delivery's own."""
    representative = dataclasses.replace(envelope, cc=(), reply_to=None, unsubscribe_url=None)
    buffer = BytesIO()
    BytesGenerator(buffer, policy=policy).flatten(
        compose_email(representative, from_address=from_address, message_id_domain=message_id_domain))
    head, _, body = buffer.getvalue().partition(b"\r\n\r\n")
    fields: list[bytes] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    shared: dict[str, bytes] = {}
    tail_fields: list[bytes] = []
    for field in fields:
        name = field.partition(b":")[0].decode("ascii").lower()
        if name in ("from", "subject", "auto-submitted"):
            shared[name] = field + b"\r\n"
        elif name not in PER_DELIVERY:
            tail_fields.append(field)
    tail = _LINE_BREAKS.sub(b"\r\n", b"\r\n".join(tail_fields) + b"\r\n\r\n" + body)
    return EmailShape(shared["from"], shared["subject"], shared.get("auto-submitted", b""),
                      dot_stuffed(tail), len(tail))


class EmailShapes:
    """The wire form of each email a plugin sends, with the shapes most recently used kept (a
    bounded number, and bytes: a message's files are in its shape). Safe to share between threads."""

    def __init__(self, *, from_address: str, message_id_domain: str, max_shapes: int = 32,
                 max_octets: int = 64 * 1024 * 1024):
        self.from_address, self.message_id_domain = from_address, message_id_domain
        self.max_shapes, self.max_octets = max_shapes, max_octets
        self._shapes: collections.OrderedDict[tuple, EmailShape] = collections.OrderedDict()
        self._octets = 0
        self._lock = threading.Lock()
        self._date: tuple[int, bytes] = (0, b"")

    def wire(self, envelope: EmailEnvelope, policy: EmailPolicy, *, cc_copy: bool = False) -> WireEmail:
        """The whole email for ``envelope`` (see :meth:`headers`)."""
        return assemble(self.shape(envelope, policy), self.headers(envelope, policy, cc_copy=cc_copy))

    def headers(self, envelope: EmailEnvelope, policy: EmailPolicy = email.policy.SMTP, *,
                cc_copy: bool = False) -> DeliveryHeaders:
        """The delivery's own headers; for its Cc copy (``cc_copy``) without Reply-To,
        X-Homeroom-Delivery and List-Unsubscribe, with a Message-ID of its own. Raises
        UnsendableEmail for an address no email can carry, as compose_email does."""
        recipients = [header_line("To", recipient_field(envelope), policy)]
        cc = cc_field(envelope)
        if cc:
            recipients.append(header_line("Cc", cc, policy))
        if envelope.reply_to and not cc_copy:
            recipients.append(header_line("Reply-To", envelope.reply_to, policy))
        message_id = message_id_field(envelope, self.message_id_domain, cc_copy=cc_copy)
        identity = [self._date_line(), header_line("Message-ID", message_id, policy)]
        if not cc_copy:
            identity.append(header_line("X-Homeroom-Delivery", envelope.reference, policy))
        unsubscribe = None if cc_copy else unsubscribe_field(envelope)
        return DeliveryHeaders(
            b"".join(recipients), b"".join(identity),
            unsubscribe_line(unsubscribe, policy) + _ONE_CLICK_LINE if unsubscribe else b"", message_id[1:-1])

    def shape(self, envelope: EmailEnvelope, policy: EmailPolicy) -> EmailShape:
        """The envelope's shape, built on first use."""
        key = (envelope.from_name, envelope.subject, envelope.text_body, envelope.html_body,
               envelope.language, envelope.auto_replied, envelope.attachments, policy.cte_type)
        with self._lock:
            found = self._shapes.get(key)
            if found is not None:
                self._shapes.move_to_end(key)
                return found
        built = shape_of(envelope, from_address=self.from_address, message_id_domain=self.message_id_domain,
                         policy=policy)
        with self._lock:
            if key not in self._shapes:
                self._shapes[key] = built
                self._octets += len(built.tail)
                while len(self._shapes) > 1 and (len(self._shapes) > self.max_shapes
                                                  or self._octets > self.max_octets):
                    _, evicted = self._shapes.popitem(last=False)
                    self._octets -= len(evicted.tail)
        return built

    def _date_line(self) -> bytes:
        """Date, as compose_email writes it; formatted once a second."""
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, f"Date: {formatdate(now, localtime=False)}\r\n".encode("ascii"))
        return self._date[1]

