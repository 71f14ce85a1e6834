"""What the template picker and the Templates list show (TPL-05, TPL-06…TPL-08, TPL-12, TPL-13).

The list is the templates the viewer may use (domain.templates.rules), optionally those whose title
contains a substring or that are attached to one tab; each row carries the columns of TPL-12/13
(title, profiles, schools, attached tab, letterhead, academic record category, creator), loaded for
a whole page in four statements.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select
from sqlmodel import Session

from domain.access.permissions import Perm
from domain.access.viewer import Viewer
from domain.templates.rules import (
    may_change_content,
    publishes,
    require_tab_access,
    require_template_access,
    visible_templates,
)
from models.directory import Profile, School, User
from models.templates import FEATURE_TARGETS, Letterhead, MessageTemplate, MessageTemplateAttachment
from models.templates import MessageTemplateProfile, MessageTemplateSchool, TabTarget


@dataclasses.dataclass(frozen=True)
class TemplateView:
    template: MessageTemplate
    profiles: list[Profile]
    schools: list[School]
    letterhead: Letterhead | None
    author: User | None
    files: list  # rows of (id, template_id, filename, content_type, size): the bytes stay in the database
    may_change: bool  # the content (TPL-04, PERM-31)
    may_publish: bool  # profiles, schools, tab (PERM-32, PERM-33)


def template_filter(viewer: Viewer, *, title_contains: str | None = None, tab: TabTarget | None = None) -> list:
    """WHERE clauses of the list: visible (TPL-12), the title filter (TPL-13), the tab (TPL-06)."""
    require_template_access(viewer)
    where = list(visible_templates(viewer))
    if title_contains and title_contains.strip():
        escaped = title_contains.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(func.lower(MessageTemplate.title).like(f"%{escaped}%", escape="\\"))
    if tab is not None:
        where.append(MessageTemplate.tab_target == tab.value)
    return where


def tab_template_filter(viewer: Viewer, tab: TabTarget) -> list:
    """WHERE clauses of a tab's templates (TPL-06): the visible ones attached to it; Communication
    is enough to be offered them (to print; offered_on_tab says whether to email)."""
    require_tab_access(viewer)
    return [*visible_templates(viewer), MessageTemplate.tab_target == tab.value]


def template_views(session: Session, viewer: Viewer, templates: list[MessageTemplate]) -> dict[int, TemplateView]:
    """Each template with its columns, by id: one statement per related table for the whole page."""
    ids = [template.id for template in templates]
    if not ids:
        return {}
    profiles: dict[int, list[Profile]] = {i: [] for i in ids}
    for template_id, profile in session.execute(
            select(MessageTemplateProfile.template_id, Profile).join(Profile, Profile.id == MessageTemplateProfile.profile_id)
            .where(MessageTemplateProfile.template_id.in_(ids)).order_by(Profile.name, Profile.id)).all():
        profiles[template_id].append(profile)
    schools: dict[int, list[School]] = {i: [] for i in ids}
    for template_id, school in session.execute(
            select(MessageTemplateSchool.template_id, School).join(School, School.id == MessageTemplateSchool.school_id)
            .where(MessageTemplateSchool.template_id.in_(ids)).order_by(School.sort_order, School.name, School.id)).all():
        schools[template_id].append(school)
    letterhead_ids = {t.letterhead_id for t in templates if t.letterhead_id is not None}
    letterheads = {row.id: row for row in session.execute(
        select(Letterhead).where(Letterhead.id.in_(letterhead_ids))).scalars()} if letterhead_ids else {}
    authors = {row.id: row for row in session.execute(
        select(User).where(User.id.in_({t.author_id for t in templates}))).scalars()}
    files: dict[int, list] = {i: [] for i in ids}
    for row in session.execute(select(MessageTemplateAttachment.id, MessageTemplateAttachment.template_id,
                                      MessageTemplateAttachment.filename, MessageTemplateAttachment.content_type,
                                      MessageTemplateAttachment.size)
                               .where(MessageTemplateAttachment.template_id.in_(ids))
                               .order_by(MessageTemplateAttachment.id)).all():
        files[row.template_id].append(row)
    return {t.id: TemplateView(t, profiles[t.id], schools[t.id], letterheads.get(t.letterhead_id),
                               authors.get(t.author_id), files[t.id], may_change_content(viewer, t), publishes(viewer))
            for t in templates}


def template_schools(session: Session, viewer: Viewer) -> list[School]:
    """TPL-05: the schools a template may be limited to: the viewer's, by the district's sort
    order and then by name. (Schools carry no minimum or maximum school year in Homeroom, so none
    is left out for that.)"""
    require_template_access(viewer)
    return list(session.execute(select(School).where(School.id.in_(sorted(viewer.school_ids)))
                                .order_by(School.sort_order, School.name, School.id)).scalars())


def offered_on_tab(viewer: Viewer, tab: TabTarget) -> dict[str, bool]:
    """How a tab offers its templates (TPL-06…TPL-08): always to print; to email only with
    "Send Messages" (TPL-07) and never to the student's linked users from the print list (TPL-08);
    a feature target (TPL-06) takes the template itself rather than printing it from a tab."""
    return {"print": tab not in FEATURE_TARGETS,
            "email": viewer.permissions.has(Perm.SEND_MESSAGES) and tab not in FEATURE_TARGETS,
            "email_linked_users": False}
