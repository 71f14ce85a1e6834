"""discardDraft: remove one of your drafts without delivering anything (CMP-29)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.messages.drafts import discard_draft as remove_draft
from graph.context import Info
from graph.errors import field_errors, perform
from graph.pagination import parse_id
from graph.permissions import requires


@strawberry.type(description="The draft and everything it held are gone; nothing was sent.")
class DiscardDraftSuccess:
    discarded_id: strawberry.ID = strawberry.field(description="The id the draft had.")


DiscardDraftErrors = field_errors("DiscardDraft", ("NOT_FOUND",))
DiscardDraftResult = Annotated[DiscardDraftSuccess | DiscardDraftErrors, strawberry.union("DiscardDraftResult", description=(
    "What discardDraft answers: the discarded id, or NOT_FOUND."))]


def discard_draft(info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="One of your drafts (Draft.id).")]) -> DiscardDraftResult:
    return perform(info, lambda: remove_draft(info.context.session, info.context.viewer, parse_id(id, Kind.MESSAGE)),
                   refused=DiscardDraftErrors.of, done=lambda _: DiscardDraftSuccess(discarded_id=id))


@strawberry.type
class DiscardDraftMutation:
    discard_draft: DiscardDraftResult = strawberry.mutation(
        resolver=discard_draft,
        **requires("Discard one of your drafts (an assigned draft: its assignee's) with its selection, imported "
                   "recipients, files and assignment history; nothing is delivered (CMP-29). Another user's "
                   "draft is NOT_FOUND, like a missing one.", Perm.COMMUNICATION),
    )
