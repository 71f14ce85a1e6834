"""Filing a recipient's answer in the conversation it belongs to (CMP-18..CMP-20, INB-12).

One place for the rules every inbound path shares, whether the answer came by email
(domain.inbound.inbound_email) or through a channel plugin's webhook (domain.inbound.webhook_events): a replay of
the same provider message (its id: a Message-ID, or for email without one a hash of its content)
is ignored, a message that did not allow replies takes none, and an
answer containing a flagged word is flagged.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from domain.content.flagging import contains_flagged_word
from models.messaging import Delivery, Message
from models.conversations import ThreadReply

FILED = "FILED"
IGNORED_REPLAY = "IGNORED_REPLAY"
IGNORED_REPLIES_OFF = "IGNORED_REPLIES_OFF"


def file_reply(session: Session, delivery: Delivery, original: Message, *, from_address: str, text: str,
               external_id: str | None) -> tuple[str, ThreadReply | None]:
    """File ``text`` as the answer of ``delivery``'s recipient to ``original``'s sender; returns
    the outcome and the reply (None when nothing was filed)."""
    if external_id and session.execute(select(ThreadReply.id).where(
            ThreadReply.external_message_id == external_id)).first():
        return IGNORED_REPLAY, None
    if not original.allow_reply:  # CMP-18
        return IGNORED_REPLIES_OFF, None
    reply = ThreadReply(
        message_id=original.id, delivery_id=delivery.id, staff_user_id=original.sender_id,
        correspondent_kind=delivery.recipient_kind, correspondent_id=delivery.recipient_id,
        from_address=from_address[:254], body_text=text, external_message_id=external_id,
        flagged=contains_flagged_word(session, text),  # INB-12
    )
    session.add(reply)
    session.flush()
    return FILED, reply
