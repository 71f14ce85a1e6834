"""markMessageUnread: one message you received back to unread (INB-06)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.threads.read_state import mark_message_unread as mark_unread
from graph.context import Info
from graph.conversations.arguments import ReceivedMessageIdArgument, ThreadIdArgument
from graph.conversations.types import InboxThread, inbox_thread
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires


@strawberry.type(description="The message is unread again and counts in the thread's unread count.")
class MarkMessageUnreadSuccess:
    thread: InboxThread = strawberry.field(description="The thread as the viewer's lists now show it, its unread "
                                                       "count one more.")


MarkMessageUnreadErrors = field_errors("MarkMessageUnread", ("NOT_FOUND",))
MarkMessageUnreadResult = Annotated[MarkMessageUnreadSuccess | MarkMessageUnreadErrors,
                                    strawberry.union(
    "MarkMessageUnreadResult", description="The thread with the message unread again, or NOT_FOUND.")]


def mark_message_unread(info: Info, thread_id: ThreadIdArgument, message_id: ReceivedMessageIdArgument) -> MarkMessageUnreadResult:
    viewer_id, thread = info.context.viewer.id, parse_id(thread_id, Kind.THREAD)
    return perform(info, lambda: mark_unread(info.context.session, info.context.events, user_id=viewer_id,
                                             thread_id=thread, message_id=parse_id(message_id, Kind.MESSAGE)),
                   refused=MarkMessageUnreadErrors.of,
                   done=lambda _: MarkMessageUnreadSuccess(thread=inbox_thread(info, thread)))


@strawberry.type
class MarkMessageUnreadMutation:
    mark_message_unread: MarkMessageUnreadResult = strawberry.mutation(
        resolver=mark_message_unread,
        **requires("Mark a message you received in one of your threads unread again: its in-app delivery back to "
                   "DELIVERED, readAt null, one more unread (INB-06). A thread or message not yours (or one you "
                   "sent) is NOT_FOUND.", Perm.COMMUNICATION))
