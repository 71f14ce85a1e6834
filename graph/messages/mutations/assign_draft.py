"""assignDraft: hand one of your drafts to another user with a note (DRF-03..DRF-06, PERM-42, MRG-03)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.drafts.draft_assignment import assign_draft as hand_over
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import node_id, parse_id
from graph.permissions import requires

#: Shared with assignDraftBack (graph.messages.mutations.assign_draft_back).
ASSIGN_CODES = ("NOT_FOUND", "SUBJECT_REQUIRED", "ASSIGNEE_NOT_FOUND", "TOO_LONG", "INVALID")


@strawberry.type(description="The draft is the assignee's now: it left your drafts and an alert is on their portal.")
class AssignDraftSuccess:
    draft_id: strawberry.ID = strawberry.field(description="The draft (Draft.id); it keeps its id.")
    assignee_id: strawberry.ID = strawberry.field(description="The user who has it now (User.id).")
    title: str = strawberry.field(description="The note, else the subject (DRF-04).")


AssignDraftErrors = field_errors("AssignDraft", ASSIGN_CODES)
AssignDraftResult = Annotated[AssignDraftSuccess | AssignDraftErrors, strawberry.union("AssignDraftResult", description=(
    "What assignDraft answers: the hand-over, or the input's errors."))]


def success(row) -> AssignDraftSuccess:
    return AssignDraftSuccess(draft_id=node_id(Kind.MESSAGE, row.id), assignee_id=node_id(Kind.USER, row.sender_id),
                              title=row.draft_title or row.subject)


def assign_draft(info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="One of your drafts (Draft.id).")],
                 assignee_id: Annotated[strawberry.ID, strawberry.argument(description="The user to hand it to (User.id).")],
                 note: Annotated[str | None, strawberry.argument(description=(
                     "At most 200 characters; it becomes the draft's title. Null or empty: the subject is."))] = None) -> AssignDraftResult:
    def action():
        return hand_over(info.context.session, info.context.viewer, draft_id=parse_id(id, Kind.MESSAGE),
                         assignee_id=parse_id(assignee_id, Kind.USER), note=note or "", events=info.context.events)
    return perform(info, action, refused=AssignDraftErrors.of, done=success)


@strawberry.type
class AssignDraftMutation:
    assign_draft: AssignDraftResult = strawberry.mutation(
        resolver=assign_draft,
        **requires("Assign one of your drafts to another user (DRF-03): it needs a subject (SUBJECT_REQUIRED) and "
                   "an active user at a school you can reach, by the rules of staff recipients; inactive, "
                   "deleted, out-of-reach and missing users are all ASSIGNEE_NOT_FOUND (MRG-03). The note, at most "
                   "200 characters, becomes the draft's title (empty: the subject, DRF-04); the draft moves to "
                   "the assignee's drafts with a portal alert (DRF-05, DRF-06). Gated fields the assignee may "
                   "not set keep your values (DRF-07).", Perm.COMMUNICATION, Perm.ASSIGN_MESSAGES),
    )
