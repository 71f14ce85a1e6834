"""unarchiveThread: return one of your threads from the archive for everyone you archived it for (INB-18)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.threads.archive import unarchive_thread as store_unarchive
from graph.context import Info
from graph.conversations.arguments import ThreadIdArgument
from graph.conversations.mutations.archive_thread import ThreadArchiveState
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires

UnarchiveThreadErrors = field_errors("UnarchiveThread", ("NOT_FOUND",))
UnarchiveThreadResult = Annotated[ThreadArchiveState | UnarchiveThreadErrors, strawberry.union(
    "UnarchiveThreadResult", description="The thread back in its list, or NOT_FOUND.")]


@strawberry.type
class UnarchiveThreadMutation:
    @strawberry.mutation(**requires(
        "Return one of your threads to its list (inbox or sent) for everyone you archived it for (INB-18). A thread "
        "a staff member archived for you stays archived until they unarchive it (INB-16).", Perm.COMMUNICATION))
    def unarchive_thread(self, info: Info, thread_id: ThreadIdArgument) -> UnarchiveThreadResult:
        return perform(info, lambda: store_unarchive(info.context.session, user_id=info.context.viewer.id,
                                                     thread_id=parse_id(thread_id, Kind.THREAD), events=info.context.events),
                       done=ThreadArchiveState.of, refused=UnarchiveThreadErrors.of)
