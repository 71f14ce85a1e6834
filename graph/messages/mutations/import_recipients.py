"""importRecipients: external recipients from a CSV file into one of your drafts or scheduled messages (IMP-01..IMP-06)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.messages.recipient_imports import ColumnMapping, composing_message, count_imported
from domain.messages.recipient_imports import import_recipients as store_imported_recipients
from graph.context import Info
from graph.errors import perform
from graph.messages.imports import (ImportRecipientsErrors, ImportRecipientsInput,
                                    ImportRecipientsResult, ImportRecipientsSuccess, ImportRowError, row_errors)
from graph.pagination import parse_id
from graph.permissions import requires


def _not_found() -> ImportRecipientsErrors:
    return ImportRecipientsErrors(errors=[ImportRowError.of(0, "messageId", "NOT_FOUND",
                                                            "No draft or scheduled message of yours has that id.")])


def import_recipients(info: Info, input: Annotated[ImportRecipientsInput, strawberry.argument(
        description="The file, its column mapping and the message it goes into.")]) -> ImportRecipientsResult:
    viewer, session = info.context.viewer, info.context.session
    message = composing_message(session, viewer, parse_id(input.message_id, Kind.MESSAGE), lock=True)
    if message is None:
        return _not_found()
    columns = ColumnMapping(first_name=input.columns.first_name, last_name=input.columns.last_name,
                            full_name=input.columns.full_name, email=input.columns.email, phone=input.columns.phone)

    def done(stored) -> ImportRecipientsSuccess:
        imported, skipped = stored
        return ImportRecipientsSuccess(imported_count=imported, total_imported=count_imported(session, message.id),
                                       skipped_rows=row_errors(skipped))

    return perform(info, lambda: store_imported_recipients(session, viewer, message, input.csv, columns,
                                                           has_header=input.has_header,
                                                           skip_invalid_rows=input.skip_invalid_rows),
                   refused=ImportRecipientsErrors.of, done=done)


@strawberry.type
class ImportRecipientsMutation:
    import_recipients: ImportRecipientsResult = strawberry.mutation(
        resolver=import_recipients,
        **requires("Import external recipients from CSV into one of your drafts, or one of your scheduled (or "
                   "errored) messages, whose every later occurrence takes them (IMP-01). They are outside the "
                   "directory, so only staff may; sending the draft checks it again (RCP-22).",
                   Perm.COMMUNICATION, Perm.OUTSIDE_RECIPIENTS))
