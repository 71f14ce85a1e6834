"""Inbound email: replies to reply addresses, auto-replies and bounces (CMP-19, CMP-20, CMP-18).

Mail is read for the signed addresses it was sent to (domain.inbound.reply_tokens), and only for them:

- to a reply address: the answer is filed in the conversation between the message's sender and
  the recipient the delivery went to, with quoted history stripped. Nothing is filed for a message
  that did not allow replies, an auto-reply (``Auto-Submitted``, ``Precedence: bulk``) or a replay:
  the same ``Message-ID``, or for mail without one the same content (a SHA-256 of from, to, date,
  subject and body), is filed once.
- to a bounce address (an email's return path): a delivery status notification (RFC 3464) whose
  failed recipient is that delivery's address, with a permanent (5.x.x) status, marks the delivery
  FAILED and records the address as bouncing (an email opt-out). A transient status, another
  recipient (a Cc) or anything that is not a delivery report changes nothing.

Headers such as ``X-Homeroom-Delivery`` are never trusted: anyone can write them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import traceback
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from sqlalchemy import exc as db_errors, select, update
from sqlmodel import Session

from domain.inbound.optouts import record_opt_out
from domain.inbound.replies import ThreadFiler, file_reply
from domain.inbound.reply_tokens import bounced_delivery_of, delivery_made_at, delivery_of
from domain.support.signed_ids import SigningKeys
from models.db import utcnow
from models.messaging import Channel, Delivery, DeliveryStatus as DS, Message

_QUOTE_HEADER = re.compile(r"^(On .{4,200} wrote:|-{2,} ?Original Message ?-{2,}|From: .+)$", re.IGNORECASE)
_STATUS = re.compile(r"([245])\.[0-9]{1,3}\.[0-9]{1,3}", re.ASCII)
#: The longest Message-ID stored as it is; a longer one is stored as its hash.
_MAX_MESSAGE_ID = 200


@dataclasses.dataclass(frozen=True)
class Received:
    # FILED, BOUNCE, IGNORED_AUTO_REPLY, IGNORED_REPLAY, IGNORED_REPLIES_OFF, IGNORED_NO_TOKEN,
    # IGNORED_NOT_A_BOUNCE, IGNORED_TRANSIENT, IGNORED_OTHER_RECIPIENT
    outcome: str
    reply_id: int | None = None


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def is_transient(error: BaseException) -> bool:
    """Trouble worth asking the sender to retry for: the database is down, busy, or a concurrent
    copy of the same message won a unique key (the retry then meets it as a replay)."""
    return isinstance(error, (db_errors.OperationalError, db_errors.InterfaceError, db_errors.TimeoutError,
                              db_errors.DisconnectionError, db_errors.IntegrityError))


def where(error: BaseException) -> str:
    """The error's type and the line that raised it; never its text, which may quote the mail."""
    frames = traceback.extract_tb(error.__traceback__)
    place = f" at {frames[-1].name}:{frames[-1].lineno}" if frames else ""
    return type(error).__name__ + place


def is_auto_reply(message: EmailMessage) -> bool:
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    precedence = (message.get("Precedence") or "").strip().lower()
    return auto != "no" or precedence in ("bulk", "junk", "list", "auto_reply") or bool(message.get("X-Autoreply"))


def is_delivery_report(message: EmailMessage) -> bool:
    return message.get_content_type() == "multipart/report" and message.get_param("report-type") == "delivery-status"


def strip_quoted(text: str) -> str:
    """The new text of a reply: up to the quoted history ("On … wrote:", "> " lines)."""
    kept = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _QUOTE_HEADER.match(line.strip()) or line.lstrip().startswith(">"):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _content_of(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError):  # an unknown or wrong charset: read as UTF-8, marking what is not
        return (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _content_of(part)
    if part.get_content_subtype() == "html":
        from domain.content.text import html_to_text

        content = html_to_text(content)
    return content


def receive(session: Session, recipients: list[str], raw: bytes, keys: SigningKeys, *,
            filer: ThreadFiler | None = None) -> list[Received]:
    """File ``raw`` for each signed address among ``recipients`` (the envelope's, or those the
    mailbox says it was delivered to); one result per recipient. ``filer`` files an account
    holder's answer in their thread (domain.inbound.replies)."""
    message = parse(raw)
    results = []
    for address in recipients:
        if (delivery_id := delivery_of(address, keys, issued_at=delivery_made_at(session))) is not None:
            results.append(_reply(session, message, delivery_id, address, filer))
        elif (delivery_id := bounced_delivery_of(address, keys)) is not None:
            results.append(_bounce(session, message, delivery_id))
        else:
            results.append(Received("IGNORED_NO_TOKEN"))
    return results


def _reply(session: Session, message: EmailMessage, delivery_id: int, address: str,
           filer: ThreadFiler | None) -> Received:
    if is_auto_reply(message) or is_delivery_report(message):
        return Received("IGNORED_AUTO_REPLY")
    row = session.execute(select(Delivery, Message).join(Message, Message.id == Delivery.message_id)
                          .where(Delivery.id == delivery_id)).first()
    if row is None:
        return Received("IGNORED_NO_TOKEN")
    delivery, original = row
    sender = message.get("From")
    from_address = sender.addresses[0].addr_spec if sender and sender.addresses else ""
    text = _text_of(message)
    outcome, reply = file_reply(session, delivery, original, text=strip_quoted(text), from_address=from_address,
                                external_id=replay_key(message, from_address, address, text), filer=filer,
                                source="EMAIL")
    return Received(outcome, reply.id if reply else None)


def replay_key(message: EmailMessage, from_address: str, to_address: str, text: str) -> str:
    """What makes a reply the same reply again: its Message-ID, or without one a hash of its
    content, so a replayed copy is filed once."""
    message_id = str(message.get("Message-ID") or "").strip()
    if message_id:
        if len(message_id) <= _MAX_MESSAGE_ID:
            return message_id
        return "message-id-sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()
    parts = (from_address.lower(), to_address.lower(), str(message.get("Date") or "").strip(),
             str(message.get("Subject") or "").strip(), text)
    content = "\0".join(parts).encode("utf-8", "surrogateescape")
    return "content-sha256:" + hashlib.sha256(content).hexdigest()


def _bounce(session: Session, report: EmailMessage, delivery_id: int) -> Received:
    """A report sent to a delivery's own return path: trusted for that delivery's address only,
    and acted on only for a permanent failure."""
    if not is_delivery_report(report):
        return Received("IGNORED_NOT_A_BOUNCE")  # an out-of-office sent to the return path, say
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.channel != Channel.EMAIL.value or not delivery.address:
        return Received("IGNORED_NO_TOKEN")
    found = [(action, status) for recipients, action, status in recipient_reports(report)
             if delivery.address.lower() in recipients]
    if not found:
        return Received("IGNORED_OTHER_RECIPIENT")
    status = next((status for action, status in found if action == "failed" and status.startswith("5")), None)
    if status is None:
        return Received("IGNORED_TRANSIENT")  # 4.x.x, delayed, relayed, delivered
    session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status.in_(
        [DS.SENT.value, DS.DELIVERED.value])).values(status=DS.FAILED.value, error_code=status,
                                                     reason="bounced", updated_at=utcnow()))
    record_opt_out(session, Channel.EMAIL, delivery.address, source=f"bounce {status}")
    return Received("BOUNCE")


def recipient_reports(report: EmailMessage) -> list[tuple[set[str], str, str]]:
    """RFC 3464: (final and original recipient addresses in lower case, action, status code) of
    each per-recipient block of the report's ``message/delivery-status`` part."""
    found = []
    for part in report.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else ():
            status = _STATUS.match(str(block.get("Status") or "").strip())
            addresses = {_rfc822_address(block.get(field)) for field in ("Final-Recipient", "Original-Recipient")}
            addresses.discard(None)
            if status and addresses:
                found.append((addresses, str(block.get("Action") or "").strip().lower(), status.group(0)))
    return found


def _rfc822_address(field: object) -> str | None:
    """``rfc822; ana@example.org`` → ``ana@example.org``; other address types → None."""
    kind, _, address = str(field or "").partition(";")
    address = address.strip().strip("<>").lower()
    return address if kind.strip().lower() == "rfc822" and address else None
