"""previewMessage (CMP-30) and printJob: one recipient's letter as HTML, and a print's progress."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.letters.addressees import AddresseeKind
from domain.letters.preview import preview_letter
from domain.letters.print_jobs import viewer_job
from domain.support.global_ids import Kind, decoded
from graph.context import Info
from graph.errors import field_errors, perform
from graph.letters.types import LetterPreview, PrintJob, PrintLanguage
from graph.pagination import NOT_AN_ID, parse_id
from graph.permissions import requires

PreviewMessageErrors = field_errors("PreviewMessage", ("NOT_FOUND",))
PreviewMessageResult = Annotated[LetterPreview | PreviewMessageErrors, strawberry.union(
    "PreviewMessageResult", description="The letter, or why there is none (NOT_FOUND: no message you can see, or "
                                        "no letter of it for that recipient).")]
_ADDRESSEE_KINDS = {Kind.STUDENT: AddresseeKind.STUDENT, Kind.USER: AddresseeKind.USER}


def _recipient(value: strawberry.ID | None) -> tuple[AddresseeKind, int] | None:
    """A Student or User id; anything else names no letter (NOT_AN_ID finds nothing)."""
    if value is None:
        return None
    parsed = decoded(value)
    if parsed is None or parsed[0] not in _ADDRESSEE_KINDS:
        return AddresseeKind.STUDENT, NOT_AN_ID
    return _ADDRESSEE_KINDS[parsed[0]], parsed[1]


@strawberry.type
class LetterQueries:
    @strawberry.field(**requires(
        "Preview a message as one recipient's letter (CMP-30): the letterhead, insert fields filled in for them, "
        "the language chosen and, when asked or when the district's setting says so, the name line of SET-02. "
        "Nothing is sent, logged or stored.", Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def preview_message(
            self, info: Info,
            message_id: Annotated[strawberry.ID, strawberry.argument(description="A message you can see (Message.id).")],
            recipient_id: Annotated[strawberry.ID | None, strawberry.argument(description=(
                "The student or staff member (Student.id or StaffMember.id) whose letter to show; null: the first "
                "letter the print would hold."))] = None,
            language: Annotated[PrintLanguage, strawberry.argument(description="CMP-31, CMP-32.")] = PrintLanguage.RECIPIENT,
            names_on_each_page: Annotated[bool | None, strawberry.argument(description=(
                "SET-02's name line in each page's header; null: the district's setting."))] = None,
    ) -> PreviewMessageResult:
        session = info.context.session
        return perform(info, lambda: preview_letter(
            session, info.context.viewer, parse_id(message_id, Kind.MESSAGE), recipient=_recipient(recipient_id),
            language=language, names_on_each_page=names_on_each_page),
            refused=PreviewMessageErrors.of, done=LetterPreview.of, write=False)

    @strawberry.field(**requires("One of your print jobs (printMessage): its progress and, once done, the signed "
                                 "link to its PDF; null when not found.", Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def print_job(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The print job (PrintJob.id).")]) -> PrintJob | None:
        row = viewer_job(info.context.session, info.context.viewer, parse_id(id, Kind.PRINT_JOB))
        return PrintJob.of(info, row) if row else None
