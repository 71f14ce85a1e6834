"""replyInThread: answer in one of your threads now, or schedule the answer (INB-14, SCH-03, CMP-34),
through the one reply operation every reply path shares (domain.conversations.replies.replies)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.replies.replies import reply_in_thread as store_reply
from domain.messages.compose import CHANNEL_PERMISSIONS
from graph.context import Info
from graph.conversations.types import InboxThread, inbox_thread
from graph.errors import SCHEDULE_CODES, field_errors, perform
from graph.messages.message import Message
from graph.messages.types import Channel
from graph.pagination import node_id, parse_id
from graph.permissions import authorize_input, gated_by_value, requires
from graph.scheduling.inputs import ScheduleInput
from models import messaging as db

#: A thread not found, the reply's own input, a rule that refused it (its code names the rule), a schedule.
REPLY_CODES = ("NOT_FOUND", "REQUIRED", "TOO_LONG", "DUPLICATE", "INVALID", "REPLIES_NOT_ALLOWED",
               "NOT_ENROLLED_AT_SCHOOL", "TEACHER_NOT_IN_THREAD_THIS_YEAR", "THREAD_ARCHIVED")
ReplyInThreadErrors = field_errors("ReplyInThread", (*REPLY_CODES, *SCHEDULE_CODES))


@strawberry.input(description="An answer in a thread: its text, the channels that notify besides the in-app inbox, "
                               "and optionally when to send it.")
class ReplyInThreadInput:
    thread_id: strawberry.ID = strawberry.field(description="One of your threads (InboxThread.id); another user's "
                                                            "answers NOT_FOUND, like a missing one.")
    body: str = strawberry.field(description="The answer, as HTML (sanitized like any message body).")
    channels: list[Channel] | None = gated_by_value(
        "The channels that notify the correspondent besides the in-app inbox: EMAIL, SMS or PUSH; null: EMAIL.",
        CHANNEL_PERMISSIONS, default=None)
    schedule: ScheduleInput | None = strawberry.field(
        default=None, description="Send later, once or recurring (SCH-01, SCH-02); null sends now.")


@strawberry.type(description="The answer, sent now or scheduled.")
class ReplyInThreadSuccess:
    thread_id: strawberry.ID = strawberry.field(description="The thread answered in.")
    message: Message = strawberry.field(description="The answer, as a message of the conversation.")
    scheduled: bool = strawberry.field(description="True when it waits for its schedule; false: sent now.")

    @strawberry.field(description="The thread as the viewer's lists now show it.")
    def thread(self, info: Info) -> InboxThread | None:
        return inbox_thread(info, parse_id(self.thread_id, Kind.THREAD))


ReplyInThreadResult = Annotated[ReplyInThreadSuccess | ReplyInThreadErrors, strawberry.union(
    "ReplyInThreadResult", description="The answer, or why it was refused (a code naming the rule); nothing is "
                                       "sent then.")]


@strawberry.type
class ReplyInThreadMutation:
    @strawberry.mutation(**requires(
        "Answer in one of your threads now or on a schedule (INB-14, SCH-03, CMP-34). Parents and students answer "
        "without Send Messages (PERM-61), subject to allow-reply (CMP-18, CMP-21), INB-16 and INB-22; each refusal "
        "is a code naming its rule. Staff also need Send Messages.", Perm.COMMUNICATION))
    def reply_in_thread(self, info: Info, input: Annotated[ReplyInThreadInput, strawberry.argument(
            description="The thread, the answer, its channels and schedule.")]) -> ReplyInThreadResult:
        viewer, session = info.context.viewer, info.context.session
        authorize_input(viewer, input)
        return perform(info, lambda: store_reply(
            session, author_user_id=viewer.id, author=viewer, thread_id=parse_id(input.thread_id, Kind.THREAD),
            html_body=input.body, channels=[db.Channel(channel.value) for channel in input.channels or [Channel.EMAIL]],
            schedule=input.schedule.to_request() if input.schedule else None,
            jobs=info.context.jobs, events=info.context.events),
            done=lambda reply: ReplyInThreadSuccess(thread_id=node_id(Kind.THREAD, reply.thread_id),
                                                    message=Message.in_conversation(reply.message), scheduled=reply.scheduled),
            refused=ReplyInThreadErrors.of)
