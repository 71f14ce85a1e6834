"""Filing a recipient's answer in the conversation it belongs to (CMP-18..CMP-20, INB-12, INB-14).

One place for the rules every inbound path shares, whether the answer came by email
(domain.inbound.inbound_email) or through a channel plugin's webhook (domain.inbound.webhook_events): a replay of
the same provider message (its id: a Message-ID, or for email without one a hash of its content)
is ignored. Then:

- when the recipient has an account (a contact's active linked user, a student's own user, a
  user), the answer is that user's reply in the in-app thread with the original sender, through
  the one reply operation (domain.conversations.replies.replies, handed in as ``ThreadFiler``: inbound
  sits below conversations), so allow-reply, INB-16, INB-22 and flagging apply as in the app; a
  rule's refusal is an ignored outcome naming it;
- otherwise (or with no thread between them), a message that did not allow replies takes none,
  and the answer is filed for the sender to read, flagged when it contains a flagged word.

Either way the ThreadReply row records the inbound message, so its replay is recognised.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import func, select
from sqlmodel import Session

from domain.content.flagging import contains_flagged_word
from models.conversations import ThreadReply
from models.directory import AccountStatus, Contact, User
from models.messaging import Delivery, Message, RecipientKind

FILED = "FILED"
IGNORED_REPLAY = "IGNORED_REPLAY"
IGNORED_REPLIES_OFF = "IGNORED_REPLIES_OFF"
#: A thread rule refused the answer: IGNORED_ and the rule's code (REPLIES_NOT_ALLOWED is IGNORED_REPLIES_OFF).
IGNORED_PREFIX = "IGNORED_"
_NO_THREAD = "NOT_FOUND"


class ThreadFiler(Protocol):
    """Files an answer as ``author_user_id``'s reply in their thread with ``correspondent_id``;
    returns None when filed, else the code of what refused it (NOT_FOUND: no such thread)."""

    def __call__(self, session: Session, *, author_user_id: int, correspondent_id: int, text: str,
                 source: str) -> str | None: ...


def account_of(session: Session, delivery: Delivery) -> int | None:
    """The active account that answers for ``delivery``'s recipient, if any."""
    active = AccountStatus.ACTIVE.value
    kind = delivery.recipient_kind
    if kind == RecipientKind.USER.value:
        query = select(User.id).where(User.id == delivery.recipient_id)
    elif kind == RecipientKind.CONTACT.value:
        query = (select(User.id).join(Contact, Contact.user_id == User.id)
                 .where(Contact.id == delivery.recipient_id, Contact.status == active))
    elif kind == RecipientKind.STUDENT.value:
        query = select(func.min(User.id)).where(User.student_id == delivery.recipient_id)
    else:
        return None
    return session.execute(query.where(User.status == active)).scalar()


def file_reply(session: Session, delivery: Delivery, original: Message, *, from_address: str, text: str,
               external_id: str | None, filer: ThreadFiler | None = None,
               source: str = "EMAIL") -> tuple[str, ThreadReply | None]:
    """File ``text`` as the answer of ``delivery``'s recipient to ``original``'s sender; returns
    the outcome and the record (None when nothing was filed). Without ``filer`` (a process that
    files no thread replies) answers are only recorded for the sender."""
    if external_id and session.execute(select(ThreadReply.id).where(
            ThreadReply.external_message_id == external_id)).first():
        return IGNORED_REPLAY, None
    account = account_of(session, delivery) if filer is not None else None
    refused = _NO_THREAD
    if account is not None and account != original.sender_id:
        refused = filer(session, author_user_id=account, correspondent_id=original.sender_id, text=text,
                        source=source)
    if refused == "REPLIES_NOT_ALLOWED":
        return IGNORED_REPLIES_OFF, None
    if refused is not None and refused != _NO_THREAD:
        return IGNORED_PREFIX + refused, None
    if refused == _NO_THREAD and not original.allow_reply:  # CMP-18
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
