"""CSV recipient import (IMP-*): external recipients attached to a draft or a scheduled message."""

from __future__ import annotations

import csv
import dataclasses
import io

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session

from domain.directory.contact_details import BadContactDetail, normalised_email, normalised_phone
from domain.content.text import INVALID_CHARACTERS, has_control_characters
from domain.access.message_scope import EDITABLE
from domain.access.viewer import Viewer
from domain.support.errors import Refusal
from models.messaging import ImportedRecipient, Message

MAX_ROWS = 50_000
MAX_BYTES = 10 * 1024 * 1024
#: IMP-01: messages that can still change: drafts, scheduled messages and errored ones (SCH-13).
IMPORTABLE_STATUSES = EDITABLE


@dataclasses.dataclass(frozen=True)
class ColumnMapping:
    """IMP-02: 0-based column positions; a name comes from full_name or first/last name."""

    first_name: int | None = None
    last_name: int | None = None
    full_name: int | None = None
    email: int | None = None
    phone: int | None = None

    def used(self) -> dict[str, int]:
        return {name: value for name, value in dataclasses.asdict(self).items() if value is not None}


@dataclasses.dataclass(frozen=True)
class RowProblem:
    row: int  # 1-based line of the file, the header included
    column: str
    code: str
    message: str


@dataclasses.dataclass(frozen=True)
class ParsedRecipient:
    row: int
    name: str
    email: str | None
    phone: str | None


class ImportRejected(Refusal):
    """The file or its mapping is refused; nothing is imported."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = problems


def mapping_problems(mapping: ColumnMapping, *, callout_enabled: bool) -> list[RowProblem]:
    problems = []
    used = mapping.used()
    if any(value < 0 for value in used.values()):
        problems.append(RowProblem(0, "columns", "INVALID_MAPPING", "Column positions start at 0."))
    if len(set(used.values())) != len(used):
        problems.append(RowProblem(0, "columns", "INVALID_MAPPING", "Two fields are mapped to the same column."))
    if mapping.full_name is None and (mapping.first_name is None or mapping.last_name is None):
        problems.append(RowProblem(0, "columns", "INVALID_MAPPING",
                                   "Map a full name column, or both first and last name columns."))
    if mapping.email is None and mapping.phone is None:
        problems.append(RowProblem(0, "columns", "INVALID_MAPPING", "Map an email or a phone column."))
    if callout_enabled and mapping.phone is None:  # IMP-02: optional only without the Call Out System
        problems.append(RowProblem(0, "columns.phone", "PHONE_COLUMN_REQUIRED",
                                   "The Call Out System is enabled: map the phone number column."))
    return problems


_COLUMN_NAMES = {"first_name": "firstName", "last_name": "lastName", "full_name": "fullName", "email": "email",
                 "phone": "phone"}


def _cell(cells: list[str], position: int | None) -> str:
    if position is None or position >= len(cells):
        return ""
    return cells[position].strip()


def parse_recipients(text: str, mapping: ColumnMapping, *, has_header: bool,
                     callout_enabled: bool) -> tuple[list[ParsedRecipient], list[RowProblem]]:
    """Every valid row, and every problem by row and column (IMP-03, IMP-04)."""
    problems = mapping_problems(mapping, callout_enabled=callout_enabled)
    if problems:
        return [], problems
    if len(text.encode()) > MAX_BYTES:
        return [], [RowProblem(0, "file", "TOO_LARGE", f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.")]
    parsed: list[ParsedRecipient] = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        for row_number, cells in enumerate(reader, start=1):
            if has_header and row_number == 1:
                continue
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are not recipients
            if len(parsed) + len(problems) >= MAX_ROWS:
                problems.append(RowProblem(row_number, "file", "TOO_MANY_ROWS", f"At most {MAX_ROWS} rows."))
                break
            recipient, row_problems = _parse_row(row_number, cells, mapping)
            problems += row_problems
            if recipient is not None:
                parsed.append(recipient)
    except csv.Error as error:
        problems.append(RowProblem(reader.line_num, "file", "MALFORMED_CSV", f"The CSV is malformed: {error}."))
    return parsed, problems


def _parse_row(row: int, cells: list[str], mapping: ColumnMapping) -> tuple[ParsedRecipient | None, list[RowProblem]]:
    # A name becomes the To header's display name, an address the header itself: one line each.
    problems = [RowProblem(row, _COLUMN_NAMES[field], INVALID_CHARACTERS,
                           f"The {_COLUMN_NAMES[field]} cell holds a line break, tab or other control character.")
                for field, position in mapping.used().items() if has_control_characters(_cell(cells, position))]
    if problems:
        return None, problems
    if mapping.full_name is not None:
        name = _cell(cells, mapping.full_name)
        name_column = "fullName"
    else:
        name = " ".join(part for part in (_cell(cells, mapping.first_name), _cell(cells, mapping.last_name)) if part)
        name_column = "firstName" if not _cell(cells, mapping.first_name) else "lastName"
    if not name:
        problems.append(RowProblem(row, name_column, "MISSING_NAME", "The name is empty."))
    email = _cell(cells, mapping.email) or None
    if email:
        try:
            email = normalised_email(email)
        except BadContactDetail as bad:
            problems.append(RowProblem(row, "email", "BAD_EMAIL", str(bad)))
            email = None
    phone = _cell(cells, mapping.phone) or None
    if phone:
        try:
            phone = normalised_phone(phone)
        except BadContactDetail as bad:
            problems.append(RowProblem(row, "phone", "BAD_PHONE", str(bad)))
            phone = None
    if not problems and email is None and phone is None:  # IMP-04
        problems.append(RowProblem(row, "email", "NO_CONTACT_INFO", "The row has neither an email nor a phone."))
    if problems:
        return None, problems
    return ParsedRecipient(row, name[:220], email, phone), []


def composing_message(session: Session, viewer: Viewer, message_id: int, *, lock: bool = False) -> Message | None:
    """A message of the viewer's that can still change (a draft, a scheduled or errored message),
    or None (not found); ``lock`` holds it so a queue run cannot fan it out half-imported."""
    query = select(Message).where(Message.id == message_id, Message.sender_id == viewer.id,
                                  Message.status.in_(IMPORTABLE_STATUSES))
    return session.execute(query.with_for_update() if lock else query).scalars().first()


def import_recipients(session: Session, viewer: Viewer, message: Message, text: str, mapping: ColumnMapping, *,
                      has_header: bool, skip_invalid_rows: bool) -> tuple[int, list[RowProblem]]:
    """Append the file's recipients (IMP-06: no de-duplication). A file with problems imports
    nothing unless ``skip_invalid_rows``; then the problems are returned as skipped rows."""
    parsed, problems = parse_recipients(text, mapping, has_header=has_header,
                                        callout_enabled=viewer.district.addon_callout)
    structural = [p for p in problems if p.row == 0 or p.code in ("MALFORMED_CSV", "TOO_MANY_ROWS")]
    if structural or (problems and not skip_invalid_rows):
        raise ImportRejected(problems)
    if parsed:
        session.execute(insert(ImportedRecipient), [
            {"message_id": message.id, "name": r.name, "email": r.email, "phone": r.phone, "source_row": r.row}
            for r in parsed])
    return len(parsed), problems


def remove_imported(session: Session, viewer: Viewer, *, message_id: int, recipient_id: int | None = None) -> int:
    """IMP-05: remove one imported recipient, or all of a message's; immediately, no undo. The
    caller has checked that the message is the viewer's and still being composed."""
    query = delete(ImportedRecipient).where(ImportedRecipient.message_id == message_id)
    if recipient_id is not None:
        query = query.where(ImportedRecipient.id == recipient_id)
    return session.execute(query).rowcount


def count_imported(session: Session, message_id: int) -> int:
    return session.execute(select(func.count()).select_from(ImportedRecipient).where(
        ImportedRecipient.message_id == message_id)).scalar_one()
