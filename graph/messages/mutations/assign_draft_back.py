"""assignDraftBack: hand a draft assigned to you back to whoever assigned it, in one step (DRF-08)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.drafts.draft_assignment import assign_draft_back as hand_back
from graph.context import Info
from graph.errors import field_errors, perform
from graph.messages.mutations.assign_draft import ASSIGN_CODES, AssignDraftSuccess, success
from graph.pagination import parse_id
from graph.permissions import requires

AssignDraftBackErrors = field_errors("AssignDraftBack", (*ASSIGN_CODES, "NOT_ASSIGNED"))
AssignDraftBackResult = Annotated[AssignDraftSuccess | AssignDraftBackErrors,
                                  strawberry.union("AssignDraftBackResult", description=(
    "What assignDraftBack answers: the hand-over, or the input's errors."))]


def assign_draft_back(info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A draft assigned to you (Draft.id).")],
                      note: Annotated[str | None, strawberry.argument(description=(
                          "A new note, at most 200 characters; it becomes the draft's title. Null or empty: the "
                          "subject is."))] = None) -> AssignDraftBackResult:
    def action():
        return hand_back(info.context.session, info.context.viewer, draft_id=parse_id(id, Kind.MESSAGE), note=note or "",
                         events=info.context.events)
    return perform(info, action, refused=AssignDraftBackErrors.of, done=success)


@strawberry.type
class AssignDraftBackMutation:
    assign_draft_back: AssignDraftBackResult = strawberry.mutation(
        resolver=assign_draft_back,
        **requires("Assign a draft that was assigned to you back to the user who assigned it, with a new note "
                   "(DRF-08); the same rules as assignDraft apply to them. NOT_ASSIGNED when it was never "
                   "assigned to you; assignDraft hands it to anyone else.", Perm.COMMUNICATION,
                   Perm.ASSIGN_MESSAGES),
    )
