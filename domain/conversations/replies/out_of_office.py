"""Out-of-office (SET-08): a user's period and message, and the automatic answer to each message
that reaches their inbox within it.

The answer is found after fan-out commits: the hand-on job, which every message passes through
once its rows are written (sent now or by a queue run), calls ``answer_out_of_office`` after it
hands the deliveries on (jobs.hand_on). Delivery knows nothing of conversations; the job, which
may import both, joins them.

- Period: the start and end dates, inclusive, in the district's time zone, against the date the
  message reached the inbox (its fan-out).
- Set-based: one UPDATE finds the message's in-app rows whose readers are absent and claims them
  (``reason`` OUT_OF_OFFICE, which the report shows), so a job run twice answers once.
- Each claimed reader answers the sender through the one reply operation (source AUTO), so the
  reply rules apply and the answer is marked ``auto_reply``; its email says
  ``Auto-Submitted: auto-replied`` (RFC 3834). An automatic reply is never answered, so two
  absent users never loop.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, exists, literal, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.conversations.replies.replies import ReplySource, reply_in_thread, text_as_html
from domain.delivery.policy import JobQueue
from domain.delivery.progress_events import ProgressBus
from domain.support.errors import AuthorizationError, FieldProblem, InvalidInput
from models.db import session_scope
from models.directory import AccountStatus, District, User
from models.messaging import Channel, Delivery, DeliveryStatus, Message

#: The reason an in-app row carries once its absent reader answered automatically.
ANSWERED = "OUT_OF_OFFICE"
MESSAGE_MAX_LENGTH = 2000


def set_out_of_office(session: Session, *, user_id: int, start: dt.date | None, end: dt.date | None,
                      message: str | None) -> User:
    """Set the user's period and message (all empty: cleared); raises InvalidInput, writing nothing."""
    user = session.get(User, user_id)
    text = (message or "").strip()
    if start is None and end is None and not text:
        user.out_of_office_start = user.out_of_office_end = user.out_of_office_message = None
        session.add(user)
        return user
    problems = []
    for name, value in (("start", start), ("end", end)):
        if value is None:
            problems.append(FieldProblem(("input", name), "REQUIRED", f"Choose the {name} date."))
    if start is not None and end is not None and end < start:
        problems.append(FieldProblem(("input", "end"), "END_BEFORE_START", "The end date is before the start date."))
    if not text:
        problems.append(FieldProblem(("input", "message"), "REQUIRED", "Write the message to answer with."))
    elif len(text) > MESSAGE_MAX_LENGTH:
        problems.append(FieldProblem(("input", "message"), "TOO_LONG",
                                     f"The message is {len(text)} characters; at most {MESSAGE_MAX_LENGTH}."))
    if problems:
        raise InvalidInput(problems)
    user.out_of_office_start, user.out_of_office_end, user.out_of_office_message = start, end, text
    session.add(user)
    return user


def _absent_on(day: dt.date):
    return (User.out_of_office_start <= day, User.out_of_office_end >= day,
            User.status == AccountStatus.ACTIVE.value)


def claim_absent_readers(session: Session, message: Message) -> list[int]:
    """The message's readers who were out of office when it reached them, each claimed once."""
    zone = ZoneInfo(session.execute(select(District.time_zone).limit(1)).scalar_one())
    reached = message.fanned_out_at or message.created_at
    day = (reached if reached.tzinfo else reached.replace(tzinfo=dt.UTC)).astimezone(zone).date()
    if not session.execute(select(exists(select(User.id).where(*_absent_on(day))))).scalar():
        return []  # nobody is away that day: the ledger is not touched
    absent = select(literal("user:") + cast(User.id, String)).where(*_absent_on(day), User.id != message.sender_id)
    claimed = session.execute(
        update(Delivery).where(Delivery.message_id == message.id, Delivery.channel == Channel.INAPP.value,
                               Delivery.status.in_([DeliveryStatus.DELIVERED.value, DeliveryStatus.READ.value]),
                               Delivery.reason.is_(None), Delivery.address.in_(absent))
        .values(reason=ANSWERED).returning(Delivery.address)).scalars().all()
    return sorted(int(address.removeprefix("user:")) for address in claimed)


def answer_out_of_office(engine: Engine, *, message_id: int, jobs: JobQueue | None,
                         events: ProgressBus | None) -> list[int]:
    """One automatic answer from each absent reader of the message to its sender (none to an
    automatic answer, nor to a message sent as the district or a school); returns the answers' ids."""
    answers = []
    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        if (message is None or message.auto_reply or message.fanned_out_at is None
                or message.send_as_district or message.send_as_school_id):
            return []
        for reader_id in claim_absent_readers(session, message):
            text = session.execute(select(User.out_of_office_message).where(User.id == reader_id)).scalar()
            try:
                with session.begin_nested():
                    reply = reply_in_thread(session, author_user_id=reader_id, correspondent_id=message.sender_id,
                                            html_body=text_as_html(text or ""), source=ReplySource.AUTO,
                                            jobs=jobs, events=events)
                answers.append(reply.message.id)
            except (InvalidInput, AuthorizationError):
                continue  # a rule refuses the answer (replies not allowed, …): the claim stays, no answer
    return answers
