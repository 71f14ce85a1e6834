"""archiveThread: move one of your threads to the archive (INB-15..INB-17)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.threads.archive import archive_thread as store_archive
from graph.context import Info
from graph.conversations.arguments import ThreadIdArgument
from graph.conversations.types import InboxThread, inbox_thread
from graph.errors import field_errors, perform
from graph.pagination import node_id, parse_id
from graph.permissions import requires
from models.conversations import ThreadSide

ArchiveThreadErrors = field_errors("ArchiveThread", ("NOT_FOUND",))


@strawberry.type(description="A thread after archiving or unarchiving, as the viewer sees it.")
class ThreadArchiveState:
    thread_id: strawberry.ID = strawberry.field(description="The thread's id.")
    archived: bool = strawberry.field(description="Whether the thread is in the viewer's archive.")

    @strawberry.field(description="The thread as the viewer's lists now show it.")
    def thread(self, info: Info) -> InboxThread | None:
        return inbox_thread(info, parse_id(self.thread_id, Kind.THREAD))

    @classmethod
    def of(cls, side: ThreadSide) -> ThreadArchiveState:
        return cls(thread_id=node_id(Kind.THREAD, side.thread_id), archived=side.archived_at is not None)


ArchiveThreadResult = Annotated[ThreadArchiveState | ArchiveThreadErrors, strawberry.union(
    "ArchiveThreadResult", description="The thread archived, or NOT_FOUND.")]


@strawberry.type
class ArchiveThreadMutation:
    @strawberry.mutation(**requires(
        "Archive one of your threads (INB-15). Staff archiving a thread with a parent or student archive it for "
        "both, and the family side cannot continue it until they unarchive it or write again (INB-16); otherwise "
        "only your side (INB-16, INB-17).", Perm.COMMUNICATION))
    def archive_thread(self, info: Info, thread_id: ThreadIdArgument) -> ArchiveThreadResult:
        return perform(info, lambda: store_archive(info.context.session, user_id=info.context.viewer.id,
                                                   thread_id=parse_id(thread_id, Kind.THREAD), events=info.context.events),
                       done=ThreadArchiveState.of, refused=ArchiveThreadErrors.of)
