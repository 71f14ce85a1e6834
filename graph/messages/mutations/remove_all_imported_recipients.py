"""removeAllImportedRecipients: take every CSV-imported recipient off one of your drafts (IMP-05)."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from graph.context import Info
from graph.messages.imports import RemoveImportedRecipientsResult, remove_from_draft
from graph.permissions import requires


def remove_all_imported_recipients(info: Info, message_id: strawberry.ID) -> RemoveImportedRecipientsResult:
    return remove_from_draft(info, message_id, None)


@strawberry.type
class RemoveAllImportedRecipientsMutation:
    remove_all_imported_recipients: RemoveImportedRecipientsResult = strawberry.mutation(
        resolver=remove_all_imported_recipients,
        **requires("Remove every imported recipient of the message, immediately; there is no undo (IMP-05).",
                   Perm.COMMUNICATION))
