"""CSV recipient import (IMP-*): its input, row errors and payloads, and the importedRecipients list
(the mutations are in graph/messages/mutations/)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.messages.recipient_imports import RowProblem, composing_message, count_imported, remove_imported
from domain.access.permissions import Perm
from graph.context import Info
from graph.errors import UserError, UserErrorCode, UserErrors
from graph.pagination import After, Before, Connection, First, keyset_page, Last, node_id, parse_id, window
from graph.permissions import requires
from models import messaging as db


@strawberry.input(description="Which CSV column (counted from 0) holds each field (IMP-02, IMP-03).")
class ImportColumnsInput:
    first_name: int | None = strawberry.field(default=None, description=(
        "The first name's column; with lastName, when there is no fullName column. Null: none."))
    last_name: int | None = strawberry.field(default=None, description="The last name's column; with firstName. Null: none.")
    full_name: int | None = strawberry.field(default=None, description=(
        "The whole name's column; instead of firstName and lastName. Null: none."))
    email: int | None = strawberry.field(default=None, description=(
        "The email address's column; null: none (then a phone column is needed)."))
    phone: int | None = strawberry.field(
        default=None, description=(
            "The phone number's column; required when the district has the Call Out System (IMP-02). Null: none."))


@strawberry.input(description="A CSV file of external recipients for one of your drafts or scheduled messages.")
class ImportRecipientsInput:
    message_id: strawberry.ID = strawberry.field(description=(
        "One of your drafts or scheduled messages (Message.id); another's is NOT_FOUND."))
    csv: str = strawberry.field(description="The file's text (UTF-8), at most 10 MB.")
    has_header: bool = strawberry.field(description="The first row is a header: skip it (IMP-03).")
    columns: ImportColumnsInput = strawberry.field(description="Which column holds each field (IMP-02).")
    skip_invalid_rows: bool = strawberry.field(
        default=False, description="Import the valid rows of a file with bad rows; otherwise nothing is imported.")


#: The codes of a CSV import and its rows (domain.messages.recipient_imports).
IMPORT_CODES = ("NOT_FOUND", "INVALID_MAPPING", "PHONE_COLUMN_REQUIRED", "TOO_LARGE", "TOO_MANY_ROWS", "MALFORMED_CSV",
                "MISSING_NAME", "BAD_EMAIL", "BAD_PHONE", "NO_CONTACT_INFO", "INVALID_CHARACTERS")


@strawberry.type(description="A problem in the file: its row and column, and where in the input (field, path). "
                             f"Its code is one of: {', '.join(IMPORT_CODES)}.")
class ImportRowError(UserError):
    row: int = strawberry.field(description="The line of the file, 1-based with the header counted; 0 when the "
                                            "problem is the mapping or the whole file.")
    column: str = strawberry.field(description='The mapped field ("email", "phone", "columns.phone"), "file" for '
                                               'the whole file, or "messageId".')

    @classmethod
    def of(cls, row: int, column: str, code: str, message: str) -> ImportRowError:
        path = _input_path(row, column)
        return cls(row=row, column=column, path=path, field=".".join(path), code=UserErrorCode(code), message=message)


def _input_path(row: int, column: str) -> list[str]:
    """Where in ImportRecipientsInput the problem is: the id, the mapping, or a row (and column) of the csv."""
    if column == "messageId":
        return ["input", "messageId"]
    if column.startswith("columns"):
        return ["input", *column.split(".")]
    if row == 0 or column == "file":
        return ["input", "csv"]
    return ["input", "csv", str(row), column]


@strawberry.type(description="Rows were appended to the message's imported recipients, without removing duplicates "
                             "(IMP-06).")
class ImportRecipientsSuccess:
    imported_count: int = strawberry.field(description="Rows imported by this file.")
    total_imported: int = strawberry.field(description="The message's imported recipients now, this file's included.")
    skipped_rows: list[ImportRowError] = strawberry.field(description=(
        "The bad rows left out (with skipInvalidRows); empty when every row was imported."))


def row_errors(problems: list[RowProblem]) -> list[ImportRowError]:
    return [ImportRowError.of(p.row, p.column, p.code, p.message) for p in problems]


@strawberry.type(description=f"Nothing was imported. Codes: {', '.join(IMPORT_CODES)}.")
class ImportRecipientsErrors:
    errors: list[ImportRowError] = strawberry.field(description="Every problem of the file, row by row; never empty.")
    error_codes = IMPORT_CODES  # read by graph.errors.document_error_codes

    @classmethod
    def of(cls, rejected) -> ImportRecipientsErrors:
        """The payload of a rejected file (domain ImportRejected)."""
        return cls(errors=row_errors(rejected.problems))


ImportRecipientsResult = Annotated[ImportRecipientsSuccess | ImportRecipientsErrors,
                                   strawberry.union("ImportRecipientsResult", description=(
                                       "What importRecipients answers: what was imported, or every problem of "
                                       "the file (then nothing was imported)."))]


@strawberry.type(description="An external recipient imported from CSV, reached by email or phone only (IMP-07).")
class ImportedRecipient:
    id: strawberry.ID = strawberry.field(description="The imported recipient's id, for removeImportedRecipient.")
    name: str = strawberry.field(description="The name from the file.")
    email: str | None = strawberry.field(description="The email address, normalised; null when the row had none.")
    phone: str | None = strawberry.field(description="The phone number in E.164; null when the row had none.")
    source_row: int = strawberry.field(description="The line of the file it came from, 1-based with the header counted.")

    @classmethod
    def from_row(cls, row: db.ImportedRecipient) -> ImportedRecipient:
        return cls(id=node_id(Kind.IMPORTED_RECIPIENT, row.id), name=row.name, email=row.email, phone=row.phone,
                   source_row=row.source_row)


@strawberry.type(description="Imported recipients were removed, immediately; there is no undo (IMP-05).")
class ImportedRecipientsRemoved:
    removed_count: int = strawberry.field(description="How many were removed now.")
    remaining_count: int = strawberry.field(description="How many the message still has.")


NO_DRAFT = "No draft or scheduled message of yours has that id."
NO_RECIPIENT = "The message has no imported recipient with that id."


def remove_from_draft(info: Info, message_id: strawberry.ID, recipient_id: strawberry.ID | None,
                      errors: type[UserErrors]) -> ImportedRecipientsRemoved | UserErrors:
    """IMP-05: remove one imported recipient (or all, recipient_id None) of one of your drafts; a
    message (or recipient) that is not yours answers NOT_FOUND like a missing one: nothing removed."""
    viewer, session = info.context.viewer, info.context.session
    message = composing_message(session, viewer, parse_id(message_id, Kind.MESSAGE))
    if message is None:
        return errors.not_found("messageId", NO_DRAFT)
    removed = remove_imported(session, viewer, message_id=message.id,
                              recipient_id=parse_id(recipient_id, Kind.IMPORTED_RECIPIENT) if recipient_id is not None else None)
    if recipient_id is not None and removed == 0:
        session.rollback()
        return errors.not_found("id", NO_RECIPIENT)
    session.commit()
    return ImportedRecipientsRemoved(removed_count=removed, remaining_count=count_imported(session, message.id))


@strawberry.type
class ImportQueries:
    @strawberry.field(**requires("The imported recipients of one of your drafts, in import order, 100 a page by "
                                 "default (IMP-05).", Perm.COMMUNICATION))
    def imported_recipients(self, info: Info, message_id: Annotated[strawberry.ID, strawberry.argument(description=(
            "One of your drafts or scheduled messages (Message.id); another's lists nothing."))], first: First = None, after: After = None,
                            last: Last = None, before: Before = None) -> Connection[ImportedRecipient]:
        viewer, session = info.context.viewer, info.context.session
        message = composing_message(session, viewer, parse_id(message_id, Kind.MESSAGE))
        where = [db.ImportedRecipient.message_id == (message.id if message else -1)]
        return keyset_page(session, db.ImportedRecipient, "imported", where,
                           window("imported", first, after, last, before, default=100), ImportedRecipient.from_row)
