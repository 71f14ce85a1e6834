"""Using a template (TPL-11, CMP-35, TPL-14): load it into a new draft or into one of the viewer's
drafts.

The template's subject, body, letterhead, options (secure, priority, Add Log Record, push, academic
record category), SMS and call texts, files and manual translations (TRN-05) are copied into the
message (a file whose content the draft already has is not copied again, so applying a template
twice leaves one copy); on an
existing draft the fields the template has overwrite the draft's (a blank subject or an absent SMS
leaves the draft's own), and its recipients stay. A field whose permission the viewer does not hold is not
copied and is named in the answer, so the draft never holds what its owner could not have set.
The message keeps its copy: later edits of the template never reach it (TPL-14).
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import exists, func, insert, literal, select
from sqlmodel import Session

from domain.access.permissions import Addon
from domain.access.viewer import Viewer
from domain.content.flagging import contains_flagged_word
from domain.content.text import html_to_text
from domain.messages.drafts import own_draft
from domain.messages.send import DEFAULT_SUBJECT, SendMessageRequest, flag_translations, save_draft
from domain.support.errors import FieldProblem, InvalidInput
from domain.templates.rules import FIELD_PERMISSIONS, visible_template
from domain.translations.carried import overlay_message_translations, template_texts
from models.attachments import MessageAttachment
from models.db import utcnow
from models.messaging import Channel, Message, StudentRecipientType
from models.templates import MessageTemplate, MessageTemplateAttachment


@dataclasses.dataclass(frozen=True)
class TemplateUsed:
    message: Message
    #: Input names of the template's fields left out for want of a permission (FIELD_PERMISSIONS).
    skipped: tuple[str, ...]


def _allowed(viewer: Viewer, template: MessageTemplate) -> tuple[dict[str, bool], tuple[str, ...]]:
    """Which gated template fields the viewer may copy, and the input names of those skipped."""
    present = {"smsText": template.sms_text is not None, "callText": template.call_text is not None,
               "priority": template.priority, "push": template.push,
               "academicRecordCategory": template.academic_record_category is not None}
    allowed = {name: has and viewer.permissions.has(FIELD_PERMISSIONS[name]) for name, has in present.items()}
    skipped = tuple(sorted(name for name, has in present.items() if has and not allowed[name]))
    return allowed, skipped


def use_template(session: Session, viewer: Viewer, template_id: int, *, draft_id: int | None = None) -> TemplateUsed:
    """TPL-11: the template loaded into a new draft, or into the draft ``draft_id`` (CMP-35)."""
    template = visible_template(session, viewer, template_id, path=("templateId",))
    allowed, skipped = _allowed(viewer, template)
    if draft_id is None:
        message = _new_draft(session, viewer, template, allowed)
    else:
        message = own_draft(session, viewer, draft_id, lock=True)
        _overwrite(session, message, template, allowed)
    _copy_files(session, template.id, message.id)
    if not _copy_translations(session, viewer, template.id, message):
        skipped = tuple(sorted((*skipped, "translations")))
    return TemplateUsed(message, skipped)


def _copy_translations(session: Session, viewer: Viewer, template_id: int, message: Message) -> bool:
    """TRN-05: the template's translations onto the message; on a draft they replace its own of
    the same languages and leave its others. Their SMS and call texts come along when the message
    has that channel and the viewer its permission, as the template's own do. False when the
    district lacks the Translations add-on and the template has some: nothing is copied (TRN-08)."""
    has = viewer.permissions.has
    texts = template_texts(
        session, template_id, sms=has(FIELD_PERMISSIONS["smsText"]) and Channel.SMS.value in message.channels,
        call=has(FIELD_PERMISSIONS["callText"]) and Channel.VOICE.value in message.channels)
    if texts and not viewer.permissions.addon_enabled(Addon.TRANSLATIONS):
        return False
    overlay_message_translations(session, message.id, texts)
    flag_translations(session, message)
    return True


def _new_draft(session: Session, viewer: Viewer, template: MessageTemplate, allowed: dict[str, bool]) -> Message:
    channels = [Channel.EMAIL]
    if allowed["smsText"]:
        channels.append(Channel.SMS)
    if allowed["callText"]:
        channels.append(Channel.VOICE)
    request = SendMessageRequest(
        subject=template.subject or DEFAULT_SUBJECT, html_body=template.html_body, channels=tuple(channels),
        secure=template.secure, priority=allowed["priority"], push=allowed["push"],
        sms_text=template.sms_text if allowed["smsText"] else None,
        call_text=template.call_text if allowed["callText"] else None)
    message = save_draft(session, viewer, request)
    message.letterhead_id = template.letterhead_id
    message.add_log_record = template.add_log_record
    message.academic_record_category = template.academic_record_category if allowed["academicRecordCategory"] else None
    session.add(message)
    session.flush()
    return message


def _overwrite(session: Session, message: Message, template: MessageTemplate, allowed: dict[str, bool]) -> None:
    """CMP-35 (interpretation): the fields present in the template overwrite the draft's; a flag
    the template sets (secure, priority, push, Add Log Record) is set, one it leaves off leaves the
    draft's as it was."""
    if template.secure and (message.copy_self or message.cc):  # CMP-06
        raise InvalidInput([FieldProblem(("templateId",), "CONFLICT", "The template is a secure email, and the "
                                         "draft copies yourself or Cc addresses; remove those first (CMP-06).")])
    if template.add_log_record and message.recipient_type == StudentRecipientType.TEACHERS_OF.value:  # CMP-11
        raise InvalidInput([FieldProblem(("templateId",), "CONFLICT", "The template adds a log record, which a "
                                         "message to the teachers of students cannot have (CMP-11).")])
    if template.subject.strip():
        message.subject = template.subject
    if html_to_text(template.html_body):
        message.html_body, message.text_body = template.html_body, html_to_text(template.html_body)
    channels = list(message.channels)
    for name, attribute, channel in (("smsText", "sms_text", Channel.SMS), ("callText", "call_text", Channel.VOICE)):
        if allowed[name]:
            setattr(message, attribute, getattr(template, attribute))
            if channel.value not in channels:
                channels.append(channel.value)
    if allowed["push"] and Channel.PUSH.value not in channels:
        channels.append(Channel.PUSH.value)
    message.channels = channels
    message.secure = message.secure or template.secure
    message.add_log_record = message.add_log_record or template.add_log_record
    message.priority = message.priority or allowed["priority"]
    if template.letterhead_id is not None:
        message.letterhead_id = template.letterhead_id
    if allowed["academicRecordCategory"]:
        message.academic_record_category = template.academic_record_category
    message.flagged = contains_flagged_word(session, message.subject, message.text_body, message.sms_text or "")
    message.saved_at = utcnow()
    session.add(message)
    session.flush()


def _copy_files(session: Session, template_id: int, message_id: int) -> None:
    """The template's files onto the message, copied in the database in one statement (ATT-*).

    A file whose content the message already has (by its SHA-256) is not copied again: applying a
    template twice to a draft leaves one copy of each of its files, as a teacher expects, and a file
    the teacher attached themselves is not doubled either. A file the template gained since is added;
    one it lost stays on the draft until the teacher removes it (the draft is theirs)."""
    already = exists(select(MessageAttachment.id).where(MessageAttachment.message_id == message_id,
                                                        MessageAttachment.sha256 == MessageTemplateAttachment.sha256))
    first_of_content = select(func.min(MessageTemplateAttachment.id)).where(
        MessageTemplateAttachment.template_id == template_id).group_by(MessageTemplateAttachment.sha256)
    columns = (MessageTemplateAttachment.filename, MessageTemplateAttachment.content_type,
               MessageTemplateAttachment.size, MessageTemplateAttachment.sha256, MessageTemplateAttachment.data)
    session.execute(insert(MessageAttachment).from_select(
        ["message_id", "filename", "content_type", "size", "sha256", "data", "created_at"],
        select(Message.id, *columns, literal(utcnow()))
        .join(MessageTemplateAttachment, MessageTemplateAttachment.template_id == template_id)
        .where(Message.id == message_id, MessageTemplateAttachment.id.in_(first_of_content), ~already)
        .order_by(MessageTemplateAttachment.id)))
