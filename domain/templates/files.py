"""A template's files (TPL-01, TPL-14, ATT-01, ATT-04): upload, download, remove one or all.

Files are part of a template's content, so only those who may change its content add or remove
them (TPL-04, PERM-31): its author and holders of "Templates Created by Others" at Edit. One who
may see and use the template but not change it is refused with an AuthorizationError, as
updateTemplate refuses them; anyone else is answered exactly as for a template that does not exist
(TemplateNotFound). Those who may use a template download its files.

A file passes the checks every upload passes (domain.support.file_uploads). Since using the
template copies its files onto a message (domain.templates.use), they total at most what one
message may carry, and a template holds at most MAX_TEMPLATE_FILES files, none twice: a file with
the content of one the template has already is refused as a DUPLICATE.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlmodel import Session

from domain.access.permissions import Perm
from domain.access.viewer import Viewer
from domain.support import file_uploads
from domain.support.errors import AuthorizationError, FieldProblem, InvalidInput
from domain.templates.rules import (
    TemplateNotFound, may_change_content, require_tab_access, visible_template, visible_templates,
)
from models.db import utcnow
from models.templates import MessageTemplate, MessageTemplateAttachment

#: How many files one template may carry.
MAX_TEMPLATE_FILES = 10


def editable_template(session: Session, viewer: Viewer, template_id: int) -> MessageTemplate:
    """A template whose content the viewer may change, locked for the transaction. TemplateNotFound
    for one they cannot see; AuthorizationError for one they see but may not change (PERM-31), and
    for a viewer who may use no template at all."""
    template = visible_template(session, viewer, template_id, lock=True)
    if not may_change_content(viewer, template):
        raise AuthorizationError("Changing another user's template needs Templates Created by Others (Edit).",
                                 requirement=Perm.TEMPLATES_CREATED_BY_OTHERS.value)
    return template


def attach(session: Session, viewer: Viewer, template_id: int, filename: str, content_type: str | None,
           data: bytes) -> MessageTemplateAttachment:
    """TPL-01, ATT-01, ATT-03: one uploaded file added to a template; every problem at once, nothing
    written on any."""
    template = editable_template(session, viewer, template_id)
    count, stored_bytes = session.execute(
        select(func.count(), func.coalesce(func.sum(MessageTemplateAttachment.size), 0))
        .where(MessageTemplateAttachment.template_id == template.id)).one()
    problems = file_uploads.upload_problems(filename, content_type, data, stored_bytes=stored_bytes, item="template")
    if count >= MAX_TEMPLATE_FILES:
        problems.append(FieldProblem(("file",), "TOO_MANY", f"A template may carry at most {MAX_TEMPLATE_FILES} "
                                     "files; remove one first."))
    uploaded = file_uploads.uploaded_file(filename, content_type, data)
    same = session.execute(select(MessageTemplateAttachment.filename).where(
        MessageTemplateAttachment.template_id == template.id,
        MessageTemplateAttachment.sha256 == uploaded.sha256)).scalars().first()
    if same is not None and data:
        problems.append(FieldProblem(("file",), "DUPLICATE", f"The template already has this file, as {same}."))
    if problems:
        raise InvalidInput(problems)
    stored = MessageTemplateAttachment(template_id=template.id, **uploaded.columns())
    template.updated_at = utcnow()
    session.add_all([stored, template])
    session.flush()
    return stored


def readable(session: Session, viewer: Viewer, template_id: int, file_id: int) -> MessageTemplateAttachment | None:
    """A file of a template the viewer may use (TPL-12), or of one a tab offers them (TPL-06: with
    Communication alone, which tabTemplates lists with its files), or None: missing and hidden alike.
    Anyone else who may use no template is refused as an AuthorizationError."""
    try:
        template = visible_template(session, viewer, template_id)
    except TemplateNotFound:
        return None
    except AuthorizationError:
        template = _offered_on_a_tab(session, viewer, template_id)
        if template is None:
            raise
    return session.execute(select(MessageTemplateAttachment).where(
        MessageTemplateAttachment.id == file_id, MessageTemplateAttachment.template_id == template.id)
    ).scalars().first()


def _offered_on_a_tab(session: Session, viewer: Viewer, template_id: int) -> MessageTemplate | None:
    """The template if a tab offers it to the viewer (domain.templates.listing.tab_template_filter's
    rule: visible to them and attached to a tab), else None; AuthorizationError without Communication."""
    require_tab_access(viewer)
    return session.execute(select(MessageTemplate).where(
        MessageTemplate.id == template_id, MessageTemplate.tab_target.is_not(None), *visible_templates(viewer))
    ).scalars().first()


def remove(session: Session, viewer: Viewer, template_id: int, file_id: int | None = None) -> int:
    """ATT-04, TPL-14: remove one file, or every file of the template (``file_id`` None); how many
    went. Messages already made from the template keep their copies."""
    template = editable_template(session, viewer, template_id)
    statement = delete(MessageTemplateAttachment).where(MessageTemplateAttachment.template_id == template.id)
    if file_id is not None:
        statement = statement.where(MessageTemplateAttachment.id == file_id)
    removed = session.execute(statement).rowcount
    if removed:
        template.updated_at = utcnow()
        session.add(template)
    return removed
