"""removeAllImportedRecipients: take every CSV-imported recipient off one of your drafts (IMP-05)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from graph.context import Info
from graph.errors import field_errors
from graph.messages.imports import ImportedRecipientsRemoved, remove_from_draft
from graph.permissions import requires

RemoveAllImportedRecipientsErrors = field_errors("RemoveAllImportedRecipients", ("NOT_FOUND",))
RemoveAllImportedRecipientsResult = Annotated[ImportedRecipientsRemoved | RemoveAllImportedRecipientsErrors,
                                              strawberry.union("RemoveAllImportedRecipientsResult", description=(
    "What removeAllImportedRecipients answers: how many were removed, or NOT_FOUND."))]


def remove_all_imported_recipients(info: Info, message_id: Annotated[strawberry.ID, strawberry.argument(description="One of your drafts or scheduled messages (Message.id).")]) -> RemoveAllImportedRecipientsResult:
    return remove_from_draft(info, message_id, None, RemoveAllImportedRecipientsErrors)


@strawberry.type
class RemoveAllImportedRecipientsMutation:
    remove_all_imported_recipients: RemoveAllImportedRecipientsResult = strawberry.mutation(
        resolver=remove_all_imported_recipients,
        **requires("Remove every imported recipient of the message, immediately; there is no undo (IMP-05). Another "
                   "user's message is NOT_FOUND, like a missing one.", Perm.COMMUNICATION))
