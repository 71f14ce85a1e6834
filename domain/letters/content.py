"""The message a viewer may print or preview, and what its letters are made of."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from domain.access.message_scope import visible_messages
from domain.access.viewer import Viewer
from domain.reports.communication_report import reads_every_delivery
from domain.letters.language import PrintLanguage, letter_texts
from domain.letters.layout import LetterContent
from domain.support.errors import FieldProblem, InvalidInput
from models.directory import District
from models.messaging import Message
from models.templates import Letterhead

NOT_FOUND_MESSAGE = "No message you can see has that id."


def visible_message(session: Session, viewer: Viewer, message_id: int, *, argument: str = "messageId") -> Message:
    """A message the viewer may see (domain.access.message_scope): a foreign id is not found, as a
    missing one is (NOT_FOUND on ``argument``)."""
    message = session.execute(select(Message).where(Message.id == message_id, visible_messages(viewer))).scalars().first()
    # Letters name every recipient: only a reader of all of them may preview or print (a school
    # administrator reads a colleague's message only for their own schools' recipients).
    if message is not None and not reads_every_delivery(viewer, message.sender_id):
        message = None
    if message is None:
        raise InvalidInput([FieldProblem((argument,), "NOT_FOUND", NOT_FOUND_MESSAGE)])
    return message


def letter_content(session: Session, message: Message, language: PrintLanguage = PrintLanguage.ORIGINAL
                   ) -> LetterContent:
    """The body, its translations that ``language`` prints (CMP-31, CMP-32) and, when the message
    has one, its letterhead's header and footer (CMP-03)."""
    texts = None if language is PrintLanguage.ORIGINAL else letter_texts(session, message.id, message.html_body,
                                                                            language)
    letterhead = session.get(Letterhead, message.letterhead_id) if message.letterhead_id else None
    if letterhead is None:
        return LetterContent(body_html=message.html_body, texts=texts)
    return LetterContent(body_html=message.html_body, header_html=letterhead.header_html,
                         footer_html=letterhead.footer_html, texts=texts)


def names_on_each_page_by_default(session: Session) -> bool:
    """The district's "Include Student and User names/ID on each PDF page" (SET-02)."""
    return bool(session.execute(select(District.pdf_names_on_each_page).limit(1)).scalar_one())
