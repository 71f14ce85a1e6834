"""removeImportedRecipient: take one CSV-imported recipient off one of your drafts (IMP-05)."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from graph.context import Info
from graph.messages.imports import RemoveImportedRecipientsResult, remove_from_draft
from graph.permissions import requires


def remove_imported_recipient(info: Info, message_id: strawberry.ID, id: strawberry.ID) -> RemoveImportedRecipientsResult:
    return remove_from_draft(info, message_id, id)


@strawberry.type
class RemoveImportedRecipientMutation:
    remove_imported_recipient: RemoveImportedRecipientsResult = strawberry.mutation(
        resolver=remove_imported_recipient,
        **requires("Remove one imported recipient, immediately (IMP-05).", Perm.COMMUNICATION))
