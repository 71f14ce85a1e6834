"""Inbound email: replies to reply tokens, auto-replies and bounces (CMP-19, CMP-20, CMP-18).

A reply is filed in the conversation between the message's sender and the recipient the token's
delivery went to, with quoted history stripped. Nothing is filed for a forged token, a message
that did not allow replies, an auto-reply (``Auto-Submitted``, ``Precedence: bulk``) or a replay
of a ``Message-ID`` already filed. A delivery status notification (a bounce) marks the delivery
FAILED with the reported status and records the address as bouncing (an email opt-out).
"""

from __future__ import annotations

import dataclasses
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from sqlalchemy import select, update
from sqlmodel import Session

from domain.optouts import record_opt_out
from domain.replies import file_reply
from domain.reply_tokens import delivery_of
from models.db import utcnow
from models.messaging import Channel, Delivery, DeliveryStatus as DS, Message

_QUOTE_HEADER = re.compile(r"^(On .{4,200} wrote:|-{2,} ?Original Message ?-{2,}|From: .+)$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Received:
    outcome: str  # FILED, BOUNCE, IGNORED_AUTO_REPLY, IGNORED_REPLAY, IGNORED_REPLIES_OFF, IGNORED_NO_TOKEN
    reply_id: int | None = None


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def is_auto_reply(message: EmailMessage) -> bool:
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    precedence = (message.get("Precedence") or "").strip().lower()
    return auto != "no" or precedence in ("bulk", "junk", "list", "auto_reply") or bool(message.get("X-Autoreply"))


def strip_quoted(text: str) -> str:
    """The new text of a reply: up to the quoted history ("On … wrote:", "> " lines)."""
    kept = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _QUOTE_HEADER.match(line.strip()) or line.lstrip().startswith(">"):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        from domain.text import html_to_text

        content = html_to_text(content)
    return content


def receive(session: Session, recipients: list[str], raw: bytes) -> list[Received]:
    message = parse(raw)
    if message.get_content_type() == "multipart/report" and message.get_param("report-type") == "delivery-status":
        return [_bounce(session, message)]
    results = []
    for address in recipients:
        delivery_id = delivery_of(address)
        if delivery_id is None:
            results.append(Received("IGNORED_NO_TOKEN"))
            continue
        results.append(_reply(session, message, delivery_id))
    return results


def _reply(session: Session, message: EmailMessage, delivery_id: int) -> Received:
    if is_auto_reply(message):
        return Received("IGNORED_AUTO_REPLY")
    row = session.execute(select(Delivery, Message).join(Message, Message.id == Delivery.message_id)
                          .where(Delivery.id == delivery_id)).first()
    if row is None:
        return Received("IGNORED_NO_TOKEN")
    delivery, original = row
    sender = message.get("From")
    outcome, reply = file_reply(
        session, delivery, original, text=strip_quoted(_text_of(message)),
        from_address=sender.addresses[0].addr_spec if sender and sender.addresses else "",
        external_id=(message.get("Message-ID") or "").strip() or None)
    return Received(outcome, reply.id if reply else None)


def _bounce(session: Session, report: EmailMessage) -> Received:
    """RFC 3464: the failed recipient's status, and the original's X-Homeroom-Delivery header."""
    status, delivery_id = None, None
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            text = part.get_payload(decode=False)
            blob = text if isinstance(text, str) else "\n".join(str(p) for p in text)
            found = re.search(r"^Status:\s*([245]\.\d{1,3}\.\d{1,3})", blob, re.MULTILINE | re.IGNORECASE)
            status = found.group(1) if found else status
        elif kind in ("text/rfc822-headers", "message/rfc822"):
            blob = part.as_string()
            found = re.search(r"^X-Homeroom-Delivery:\s*(\d+)", blob, re.MULTILINE | re.IGNORECASE)
            delivery_id = int(found.group(1)) if found else delivery_id
    if delivery_id is None or status is None or not status.startswith("5"):
        return Received("IGNORED_NO_TOKEN")  # transient (4.x.x) or not ours
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.channel != Channel.EMAIL.value:
        return Received("IGNORED_NO_TOKEN")
    session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status.in_(
        [DS.SENT.value, DS.DELIVERED.value])).values(status=DS.FAILED.value, error_code=status,
                                                     reason="bounced", updated_at=utcnow()))
    record_opt_out(session, Channel.EMAIL, delivery.address, source=f"bounce {status}")
    return Received("BOUNCE")
