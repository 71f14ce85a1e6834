"""saveDraft: compose now, send later (CMP-28); with an id, save one of your drafts again in place
(DRF-02), its read-only fields kept (DRF-07)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.access.scope import FAMILY_ROLES
from domain.messages.drafts import Gates, save_draft as store_draft
from graph.context import Info
from graph.errors import MESSAGE_INPUT_CODES, field_errors, perform
from graph.messages.drafts import Draft, drafts_of, missing_gates
from graph.messages.inputs import SendMessageInput, to_request
from graph.messages.message import Message
from graph.pagination import parse_id
from graph.permissions import authorize_input, require, requires


@strawberry.type(description="The draft was saved; nothing was sent.")
class SaveDraftSuccess:
    message: Message = strawberry.field(description="The draft as a message (status DRAFT).")
    draft: Draft = strawberry.field(description="The draft as reopened (DRF-02).")


SaveDraftErrors = field_errors("SaveDraft", (*MESSAGE_INPUT_CODES, "READ_ONLY_FIELD"))
SaveDraftResult = Annotated[SaveDraftSuccess | SaveDraftErrors, strawberry.union("SaveDraftResult", description=(
    "What saveDraft answers: the saved draft, or the input's errors (then nothing was saved)."))]


def save_draft(info: Info, input: Annotated[SendMessageInput, strawberry.argument(description=(
                   "Everything composed so far, as sendMessage takes it; a draft may lack recipients."))],
               id: Annotated[strawberry.ID | None, strawberry.argument(description=(
                   "One of your drafts to save again in place (Draft.id); null: a new draft."))] = None) -> SaveDraftResult:
    viewer, session = info.context.viewer, info.context.session
    if viewer.role in FAMILY_ROLES:
        require(viewer, Perm.SEND_MESSAGES)  # PERM-61: family users without it cannot save drafts
    if id is None:
        authorize_input(viewer, input)
        gates = Gates()
    else:
        gates = missing_gates(viewer)  # DRF-07: compared with the stored values instead
    draft_id = parse_id(id, Kind.MESSAGE) if id is not None else None
    return perform(info, lambda: store_draft(session, viewer, to_request(input), draft_id=draft_id, gates=gates),
                   refused=SaveDraftErrors.of,
                   done=lambda row: SaveDraftSuccess(message=Message.from_row(row), draft=drafts_of(info, [row])[0]))


@strawberry.type
class SaveDraftMutation:
    save_draft: SaveDraftResult = strawberry.mutation(
        resolver=save_draft,
        **requires("Save a draft with everything composed so far (staff may save without Send Messages, PERM-09). "
                   "Without id a new draft is made; with the id of one of your drafts it is saved again in "
                   "place: content, options, channels and selection are replaced, its imported recipients, "
                   "files, title and assignment stay, and savedAt moves (DRF-02). Another user's draft is "
                   "NOT_FOUND, like a missing one. On a saved draft a gated field you may not set is read-only "
                   "(Draft.readOnlyFields): its stored value passes, any change is READ_ONLY_FIELD and nothing is "
                   "written (DRF-07); without id such a field is FORBIDDEN as on sendMessage. Parents and "
                   "students need Send Messages (PERM-61).", Perm.COMMUNICATION),
    )
