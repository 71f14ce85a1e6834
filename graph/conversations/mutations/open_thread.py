"""openThread: read one of your threads: its most recent page as it stood, then everything in it read (INB-05)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.threads.read_state import open_thread as read_thread
from graph.context import Info
from graph.conversations.arguments import ThreadIdArgument
from graph.conversations.types import InboxThread, ThreadView, inbox_thread
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires


@strawberry.type(description="The thread was opened: every message in it is read.")
class OpenThreadSuccess:
    thread: InboxThread = strawberry.field(description="The thread now (unread count 0).")
    page: ThreadView = strawberry.field(description=(
        "The most recent page as it was when opened: read false on the messages this call read, anchorMessageId "
        "the earliest of them (INB-05)."))


OpenThreadErrors = field_errors("OpenThread", ("NOT_FOUND",))
OpenThreadResult = Annotated[OpenThreadSuccess | OpenThreadErrors, strawberry.union(
    "OpenThreadResult", description="The thread, read, with its most recent page; or NOT_FOUND.")]


def open_thread(info: Info, thread_id: ThreadIdArgument) -> OpenThreadResult:
    viewer_id = info.context.viewer.id

    def done(page) -> OpenThreadSuccess:
        return OpenThreadSuccess(thread=inbox_thread(info, page.thread.thread_id), page=ThreadView.of(page, viewer_id))

    return perform(info, lambda: read_thread(info.context.session, info.context.events, user_id=viewer_id,
                                             thread_id=parse_id(thread_id, Kind.THREAD)),
                   refused=OpenThreadErrors.of, done=done)


@strawberry.type
class OpenThreadMutation:
    open_thread: OpenThreadResult = strawberry.mutation(
        resolver=open_thread,
        **requires("Open one of your threads: returns its most recent page and marks every unread message of it "
                   "read (the in-app deliveries READ with readAt, the sender's read receipt), its unread count 0 "
                   "(INB-05). Another user's thread is NOT_FOUND like a missing one.", Perm.COMMUNICATION))
