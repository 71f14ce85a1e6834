"""Preview (CMP-30): one recipient's letter as it will print (letterhead, insert fields filled in,
language: CMP-31, CMP-32) as HTML, without sending, logging or storing anything."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from domain.access.viewer import Viewer
from domain.letters.addressees import Addressee, AddresseeKind, addressees
from domain.letters.content import letter_content, names_on_each_page_by_default, visible_message
from domain.letters.language import PrintLanguage
from domain.letters.layout import Layout, document_html, letter_html
from domain.support.errors import FieldProblem, InvalidInput


@dataclasses.dataclass(frozen=True)
class LetterPreview:
    html: str
    addressee: Addressee | None  # None: the message has no recipient to fill its fields for


def preview_letter(session: Session, viewer: Viewer, message_id: int, *,
                   recipient: tuple[AddresseeKind, int] | None = None,
                   language: PrintLanguage = PrintLanguage.RECIPIENT,
                   names_on_each_page: bool | None = None) -> LetterPreview:
    """The letter of ``recipient`` (a student or user the message is for), or of its first
    addressee when none is named. Reads only."""
    message = visible_message(session, viewer, message_id)
    content = letter_content(session, message, language)
    if recipient is None:  # the print order's first letter
        found = addressees(session, message, fields=content.fields, limit=1, language=language)
    else:
        found = addressees(session, message, fields=content.fields, only=recipient, language=language)
        if not found:
            raise InvalidInput([FieldProblem(("recipientId",), "NOT_FOUND",
                                             "The message has no letter for that recipient.")])
    addressee = found[0] if found else None
    names = names_on_each_page_by_default(session) if names_on_each_page is None else names_on_each_page
    letter = letter_html(content, addressee, Layout(names_on_each_page=names))
    return LetterPreview(html=document_html([letter], content, title=message.subject), addressee=addressee)
