"""continueThreadAsCompose: a draft to the thread's correspondent, for a full compose (INB-14)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.replies.replies import continue_as_compose
from graph.context import Info
from graph.conversations.arguments import ThreadIdArgument
from graph.errors import field_errors, perform
from graph.pagination import node_id, parse_id
from graph.permissions import requires

#: A thread not found, or one its rules say the viewer may not continue.
ContinueThreadAsComposeErrors = field_errors("ContinueThreadAsCompose", (
    "NOT_FOUND", "REPLIES_NOT_ALLOWED", "NOT_ENROLLED_AT_SCHOOL", "TEACHER_NOT_IN_THREAD_THIS_YEAR", "THREAD_ARCHIVED"))


@strawberry.type(description="The draft that continues the thread: the correspondent selected, posted from the "
                             "thread; edit and send it with the draft mutations.")
class ContinueThreadAsComposeSuccess:
    thread_id: strawberry.ID = strawberry.field(description="The thread it continues.")
    draft_id: strawberry.ID = strawberry.field(description="The saved draft; read it with draft(id:), send it with "
                                                           "sendDraft.")


ContinueThreadAsComposeResult = Annotated[ContinueThreadAsComposeSuccess | ContinueThreadAsComposeErrors,
                                          strawberry.union(
    "ContinueThreadAsComposeResult", description="The draft, or why the thread may not be continued (a code naming "
                                                 "the rule).")]


@strawberry.type
class ContinueThreadAsComposeMutation:
    @strawberry.mutation(**requires(
        "Continue one of your threads as a full compose with all options (INB-14): a saved draft addressed to the "
        "correspondent, under the same rules as a reply.", Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def continue_thread_as_compose(self, info: Info, thread_id: ThreadIdArgument) -> ContinueThreadAsComposeResult:
        session, viewer = info.context.session, info.context.viewer
        return perform(info, lambda: continue_as_compose(session, viewer=viewer, thread_id=parse_id(thread_id, Kind.THREAD)),
                       done=lambda draft: ContinueThreadAsComposeSuccess(thread_id=thread_id,
                                                                         draft_id=node_id(Kind.MESSAGE, draft.id)),
                       refused=ContinueThreadAsComposeErrors.of)
