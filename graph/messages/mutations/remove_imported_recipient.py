"""removeImportedRecipient: take one CSV-imported recipient off one of your drafts (IMP-05)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from graph.context import Info
from graph.errors import field_errors
from graph.messages.imports import ImportedRecipientsRemoved, remove_from_draft
from graph.permissions import requires

RemoveImportedRecipientErrors = field_errors("RemoveImportedRecipient", ("NOT_FOUND",))
RemoveImportedRecipientResult = Annotated[ImportedRecipientsRemoved | RemoveImportedRecipientErrors,
                                          strawberry.union("RemoveImportedRecipientResult", description=(
    "What removeImportedRecipient answers: how many remain, or NOT_FOUND."))]


def remove_imported_recipient(info: Info, message_id: Annotated[strawberry.ID, strawberry.argument(description="One of your drafts or scheduled messages (Message.id).")],
                              id: Annotated[strawberry.ID, strawberry.argument(description="The imported recipient (ImportedRecipient.id).")]) -> RemoveImportedRecipientResult:
    return remove_from_draft(info, message_id, id, RemoveImportedRecipientErrors)


@strawberry.type
class RemoveImportedRecipientMutation:
    remove_imported_recipient: RemoveImportedRecipientResult = strawberry.mutation(
        resolver=remove_imported_recipient,
        **requires("Remove one imported recipient, immediately (IMP-05). Another user's message (or a recipient not "
                   "on it) is NOT_FOUND, like a missing one.", Perm.COMMUNICATION))
