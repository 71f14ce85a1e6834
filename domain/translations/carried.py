"""The manual translations a message (draft, scheduled message, occurrence) or a template carries
(TRN-04, TRN-05): replaced as a set, read in one statement per batch, and carried along when a
template is used or a recurring message makes an occurrence.

A message's rows are written with origin MANUAL, one per (message, language); the machine
translation at fan-out (TRN-01) translates only the languages they leave uncovered. Resending to
failed deliveries re-sends the same message, so its translations go with it unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Integer, delete, insert, literal, select
from sqlmodel import Session

from domain.content.text import html_to_text
from domain.translations.manual import ManualText
from models.db import utcnow
from models.translations import MessageTranslation, TemplateTranslation, TranslationOrigin

_MANUAL = TranslationOrigin.MANUAL.value


def replace_message_translations(session: Session, message_id: int, texts: Sequence[ManualText]) -> None:
    """The message's manual translations become ``texts`` (already checked and in stored form);
    the text body of each is derived from its HTML as the original's is."""
    session.execute(delete(MessageTranslation).where(MessageTranslation.message_id == message_id,
                                                     MessageTranslation.origin == _MANUAL))
    _insert_message_rows(session, message_id, texts)


def overlay_message_translations(session: Session, message_id: int, texts: Sequence[ManualText]) -> None:
    """``texts`` replace the message's manual translations of their languages; its others stay."""
    if not texts:
        return
    session.execute(delete(MessageTranslation).where(
        MessageTranslation.message_id == message_id, MessageTranslation.origin == _MANUAL,
        MessageTranslation.language.in_([text.language for text in texts])))
    _insert_message_rows(session, message_id, texts)


def _insert_message_rows(session: Session, message_id: int, texts: Sequence[ManualText]) -> None:
    if not texts:
        return
    now = utcnow()
    session.execute(insert(MessageTranslation), [
        {"message_id": message_id, "language": text.language, "origin": _MANUAL, "subject": text.subject,
         "html_body": text.html_body, "text_body": html_to_text(text.html_body) if text.html_body is not None else None,
         "sms_text": text.sms_text, "call_text": text.call_text, "created_at": now} for text in texts])


def copy_message_translations(session: Session, source_id: int, target_id: int) -> None:
    """TRN-05: the manual translations of ``source_id`` onto ``target_id`` (a recurring message's
    occurrence), copied in the database in one statement."""
    columns = (MessageTranslation.language, MessageTranslation.origin, MessageTranslation.subject,
               MessageTranslation.html_body, MessageTranslation.text_body, MessageTranslation.sms_text,
               MessageTranslation.call_text, MessageTranslation.created_at)
    session.execute(insert(MessageTranslation).from_select(
        ["message_id", *(column.key for column in columns)],
        select(literal(target_id, Integer), *columns)
        .where(MessageTranslation.message_id == source_id, MessageTranslation.origin == _MANUAL)))


def message_translations(session: Session, message_ids: Iterable[int]) -> dict[int, list[MessageTranslation]]:
    """The manual translations of each message, by language code."""
    found: dict[int, list[MessageTranslation]] = defaultdict(list)
    ids = set(message_ids)
    if ids:
        for row in session.execute(select(MessageTranslation).where(
                MessageTranslation.message_id.in_(ids), MessageTranslation.origin == _MANUAL)
                .order_by(MessageTranslation.message_id, MessageTranslation.language)).scalars():
            found[row.message_id].append(row)
    return found


def translated_texts(session: Session, message_id: int) -> list[str]:
    """The subject, text body and SMS of each of the message's manual translations, for the
    flagged-word check its original texts meet (INB-11)."""
    rows = session.execute(select(MessageTranslation.subject, MessageTranslation.text_body,
                                  MessageTranslation.sms_text).where(
        MessageTranslation.message_id == message_id, MessageTranslation.origin == _MANUAL)).all()
    return [text for row in rows for text in row if text]


def replace_template_translations(session: Session, template_id: int, texts: Sequence[ManualText]) -> None:
    """The template's translations become ``texts`` (checked, in the template's stored form)."""
    session.execute(delete(TemplateTranslation).where(TemplateTranslation.template_id == template_id))
    if texts:
        now = utcnow()
        session.execute(insert(TemplateTranslation), [
            {"template_id": template_id, "language": text.language, "subject": text.subject,
             "html_body": text.html_body, "sms_text": text.sms_text, "call_text": text.call_text, "created_at": now}
            for text in texts])


def template_translations(session: Session, template_ids: Iterable[int]) -> dict[int, list[TemplateTranslation]]:
    """The translations of each template, by language code."""
    found: dict[int, list[TemplateTranslation]] = defaultdict(list)
    ids = set(template_ids)
    if ids:
        for row in session.execute(select(TemplateTranslation).where(TemplateTranslation.template_id.in_(ids))
                                   .order_by(TemplateTranslation.template_id, TemplateTranslation.language)).scalars():
            found[row.template_id].append(row)
    return found


def template_texts(session: Session, template_id: int, *, sms: bool, call: bool) -> list[ManualText]:
    """TRN-05: a template's translations as a message takes them; ``sms`` / ``call`` False leaves
    out the SMS / call texts (the user may not send those), and a translation left with no text
    is not carried."""
    texts = []
    for row in template_translations(session, [template_id]).get(template_id, []):
        text = ManualText(language=row.language, subject=row.subject or None, html_body=row.html_body,
                          sms_text=row.sms_text if sms else None, call_text=row.call_text if call else None)
        if any((text.subject, text.html_body, text.sms_text, text.call_text)):
            texts.append(text)
    return texts


def stored_template_texts(session: Session, template_id: int) -> list[ManualText]:
    """The template's translations as stored, to compare an edit with."""
    return [ManualText(language=row.language, subject=row.subject, html_body=row.html_body, sms_text=row.sms_text,
                       call_text=row.call_text)
            for row in template_translations(session, [template_id]).get(template_id, [])]
