"""Answering in a thread: the one operation every reply path goes through (the app's replyInThread,
answers by email, SMS and provider webhooks, out-of-office replies), so the rules of
domain.conversations.replies.reply_rules, flagging and sending apply alike (INB-14, CMP-21, CMP-34, PERM-61).

A reply is a Message like any other: sent by its author, posted from the thread (``thread_id``,
so its recipient may always answer it, CMP-21), selecting the correspondent directly
(MessageStaff, which resolution reads as a user), notifying by the chosen channels (default
email) beside the in-app inbox. It is stored and sent through domain.messages.send's
``confirm_and_fan_out``, so the in-app rows, both thread sides and the unarchiving of INB-19 come
from fan-out, and its other channels are handed on after the commit like any message. Or it is
scheduled (SCH-01, SCH-03) and sent by a queue run.
"""

from __future__ import annotations

import dataclasses
import enum
import html
from collections.abc import Sequence

from sqlalchemy import insert
from sqlmodel import Session

from domain.access.permissions import Perm
from domain.access.scope import FAMILY_ROLES
from domain.access.viewer import Viewer, load_viewer
from domain.content.flagging import contains_flagged_word
from domain.content.html_policy import sanitized_html
from domain.content.text import html_to_text
from domain.conversations.threads.inbox_events import InboxChange, announce
from domain.conversations.replies.reply_rules import ReplyRefused, check_reply, latest_received
from domain.conversations.threads.thread_sides import ThreadNotFound, side_for, thread_between
from domain.delivery.policy import JobQueue
from domain.delivery.progress_events import ProgressBus
from domain.messages.send import DEFAULT_SUBJECT, SUBJECT_MAX_LENGTH, confirm_and_fan_out
from domain.audit.actions import Actor
from domain.scheduling.scheduled_messages import ScheduleRequest, schedule_stored_message
from domain.support.errors import AuthorizationError, FieldProblem, InvalidInput
from models.conversations import ThreadSide
from models.db import utcnow
from models.directory import AccountStatus, User
from models.messaging import Channel, Message, MessageStaff, MessageStatus

REPLY_MAX_LENGTH = 100_000
INPUT_THREAD = ("input", "threadId")
#: The channels a reply may notify by besides the in-app inbox (a call needs a composed message).
REPLY_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.PUSH)


class ReplySource(str, enum.Enum):
    APP = "APP"
    EMAIL = "EMAIL"
    SMS = "SMS"
    WEBHOOK = "WEBHOOK"
    AUTO = "AUTO"  # an out-of-office answer (SET-08)


@dataclasses.dataclass(frozen=True)
class Reply:
    message: Message
    thread_id: int
    scheduled: bool


@dataclasses.dataclass(frozen=True)
class _Parties:
    author: Viewer
    correspondent: User
    side: ThreadSide


def _parties(session: Session, author: Viewer, thread_id: int | None, correspondent_id: int | None,
             path: tuple[str | int, ...]) -> _Parties:
    """The author's side of the thread (by id, or with a correspondent), and the correspondent."""
    if thread_id is None and correspondent_id is not None:
        thread = thread_between(session, author.id, correspondent_id)
        thread_id = thread.id if thread is not None else None
    side = side_for(session, author.id, thread_id, lock=True, path=path)
    correspondent = session.get(User, side.correspondent_id)
    if correspondent is None:
        raise ThreadNotFound(path)
    return _Parties(author, correspondent, side)


def check_may_answer(session: Session, author: Viewer, parties: _Parties,
                     path: tuple[str | int, ...] = ("threadId",)) -> None:
    """PERM-61: family users answer in existing threads without Send Messages (subject to the
    rules); staff need it. Then every rule of reply_rules."""
    if author.role not in FAMILY_ROLES and not author.permissions.has(Perm.SEND_MESSAGES):
        raise AuthorizationError('Replying needs the "Send Messages" permission.',
                                 requirement=Perm.SEND_MESSAGES.value)
    check_reply(session, author=author, correspondent=parties.correspondent, side=parties.side, path=path)


def reply_subject(session: Session, author_id: int, correspondent_id: int) -> str:
    """"Re: " and the subject of the message being answered (else of the author's latest in the thread)."""
    answered = latest_received(session, author_id, correspondent_id) or latest_received(
        session, correspondent_id, author_id)
    subject = answered.subject if answered is not None else DEFAULT_SUBJECT
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return subject[:SUBJECT_MAX_LENGTH]


def text_as_html(text: str) -> str:
    """Plain text (an answer by email or SMS) as the HTML a message stores: escaped, one paragraph
    per blank-line block, line breaks kept."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    return "".join(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in blocks)


def _input_problems(html_body: str, channels: Sequence[Channel]) -> list[FieldProblem]:
    problems = []
    if len(html_body or "") > REPLY_MAX_LENGTH:
        problems.append(FieldProblem(("input", "body"), "TOO_LONG", f"The reply exceeds {REPLY_MAX_LENGTH} characters."))
    elif not html_to_text(sanitized_html(html_body or "")):
        problems.append(FieldProblem(("input", "body"), "REQUIRED", "The reply is empty."))
    if len(set(channels)) != len(channels):
        problems.append(FieldProblem(("input", "channels"), "DUPLICATE", "A channel is listed more than once."))
    for index, channel in enumerate(channels):
        if channel not in REPLY_CHANNELS:
            problems.append(FieldProblem(("input", "channels", index), "INVALID",
                                         "A reply notifies by EMAIL, SMS or PUSH; the in-app inbox always has it."))
    return problems


def reply_in_thread(session: Session, *, author_user_id: int, thread_id: int | None = None,
                    correspondent_id: int | None = None, html_body: str,
                    channels: Sequence[Channel] = (Channel.EMAIL,), source: ReplySource = ReplySource.APP,
                    schedule: ScheduleRequest | None = None, jobs: JobQueue | None = None,
                    events: ProgressBus | None = None, author: Viewer | None = None) -> Reply:
    """Answer in the thread ``thread_id`` (or the one with ``correspondent_id``) now or on
    ``schedule``; raises ThreadNotFound, InvalidInput, or ReplyRefused naming the rule. Once the
    caller commits, ``jobs`` hands the reply's notifications on (None: a later queue run does)."""
    author = author or load_viewer(session, author_user_id)
    if author.user.status != AccountStatus.ACTIVE:
        raise ThreadNotFound(INPUT_THREAD)
    parties = _parties(session, author, thread_id, correspondent_id, INPUT_THREAD)
    problems = _input_problems(html_body, channels)
    if problems:
        raise InvalidInput(problems)
    check_may_answer(session, author, parties, INPUT_THREAD)
    body = sanitized_html(html_body)
    message = Message(
        sender_id=author.id, subject=reply_subject(session, author.id, parties.correspondent.id), html_body=body,
        text_body=html_to_text(body), channels=[channel.value for channel in channels],
        allow_reply=True,  # CMP-21: an answer posted from a thread always takes an answer
        thread_id=parties.side.thread_id, auto_reply=source is ReplySource.AUTO, status=MessageStatus.QUEUED)
    message.flagged = contains_flagged_word(session, message.subject, message.text_body)  # INB-11, INB-12
    session.add(message)
    session.flush()
    session.execute(insert(MessageStaff), [{"message_id": message.id, "user_id": parties.correspondent.id}])
    if schedule is not None:
        schedule_stored_message(session, message, schedule, actor=Actor.of(author))
        return Reply(message, parties.side.thread_id, scheduled=True)
    # One recipient, picked from the thread: no count to confirm (CMP-27 is for selections).
    confirm_and_fan_out(session, author, message, 1, jobs)
    # The correspondent hears of it from the hand-on job (announce_arrivals, once per message);
    # without a job queue, nobody else would tell them.
    listeners = (author.id,) if jobs is not None else (author.id, parties.correspondent.id)
    announce(session, events, listeners, InboxChange.MESSAGE, thread_id=parties.side.thread_id,
             message_id=message.id)
    return Reply(message, parties.side.thread_id, scheduled=False)


def continue_as_compose(session: Session, *, viewer: Viewer, thread_id: int | None) -> Message:
    """INB-14: a draft to the thread's correspondent, posted from the thread, for a full compose
    (the same rules as a reply: a locked thread cannot be continued this way either)."""
    parties = _parties(session, viewer, thread_id, None, ("threadId",))
    check_may_answer(session, viewer, parties)
    now = utcnow()
    draft = Message(sender_id=viewer.id, subject=reply_subject(session, viewer.id, parties.correspondent.id),
                    html_body="", text_body="", channels=[Channel.EMAIL.value], allow_reply=True,
                    thread_id=parties.side.thread_id, status=MessageStatus.DRAFT, saved_at=now, created_at=now)
    session.add(draft)
    session.flush()
    session.execute(insert(MessageStaff), [{"message_id": draft.id, "user_id": parties.correspondent.id}])
    return draft


def file_inbound_answer(session: Session, *, author_user_id: int, correspondent_id: int, text: str,
                        source: ReplySource | str, jobs: JobQueue | None = None,
                        events: ProgressBus | None = None) -> str | None:
    """An answer that arrived by email, SMS or webhook from someone with an account, filed as
    their reply in the thread with the original sender; None when filed, else the refusing code
    (NOT_FOUND: no thread between them). Refused, it writes nothing."""
    try:
        with session.begin_nested():
            reply_in_thread(session, author_user_id=author_user_id, correspondent_id=correspondent_id,
                            html_body=text_as_html(text), source=ReplySource(source), jobs=jobs, events=events)
    except ReplyRefused as refused:
        return refused.code
    except InvalidInput as invalid:
        return invalid.problems[0].code
    except AuthorizationError:
        return "FORBIDDEN"
    return None
