"""Who may see, use, change and publish a template (TPL-02…TPL-04, TPL-11, PERM-30…PERM-33).

- **See and use** (TPL-02, TPL-03, TPL-12, PERM-30): the author; users holding one of the
  template's profiles and working at one of its schools (no schools: every school); and holders of
  "Templates Created by Others", who see every template, shared or not (REQUIREMENTS reading 4).
- **Change the content** (TPL-04, PERM-31): the author, and holders of "Templates Created by
  Others" at Edit.
- **Publish** (PERM-32, PERM-33): profiles, schools and the tab a template is attached to are
  set only with "Publish Templates", on one's own templates and (PERM-32) on others' alike.

Templates are staff content: every operation needs Communication and Send Messages (TPL-11) and a
staff role, except a tab's printable forms and letters, which Communication alone offers (TPL-06;
emailing one needs Send Messages, TPL-07). A template the viewer may not see answers exactly like
one that does not exist.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, not_, or_, select
from sqlmodel import Session

from domain.access.permissions import CATALOGUE, Perm
from domain.access.viewer import Viewer
from domain.support.errors import AuthorizationError, FieldProblem, InvalidInput
from models.directory import PermissionLevel
from models.templates import MessageTemplate, MessageTemplateProfile, MessageTemplateSchool

#: The fields only "Publish Templates" sets (PERM-33), by input name.
PUBLISHING_FIELDS = ("profileIds", "schoolIds", "tabTarget")
#: The other fields that need a permission to set, as on a message: an SMS (SMS-01), a call
#: (VOI-01), priority (CMP-07), push (CMP-08) and the academic record category (PERM-37).
FIELD_PERMISSIONS = {"smsText": Perm.SEND_SMS, "callText": Perm.PHONE_CALLS, "priority": Perm.SEND_AS_PRIORITY,
                     "push": Perm.PUSH_NOTIFICATIONS, "academicRecordCategory": Perm.ACADEMIC_RECORD}


class TemplateNotFound(InvalidInput):
    """No template the viewer may see has that id (another user's private one answers the same)."""

    def __init__(self, path: tuple[str | int, ...] = ("id",)):
        super().__init__([FieldProblem(path, "NOT_FOUND", "No template you can use has that id.")])


def require_template_access(viewer: Viewer) -> None:
    """Templates are for staff who send messages (TPL-11)."""
    if not viewer.is_staff:
        raise AuthorizationError("Templates are for staff.")
    for perm in (Perm.COMMUNICATION, Perm.SEND_MESSAGES):
        if not viewer.permissions.has(perm):
            raise AuthorizationError(f"Templates need {CATALOGUE[perm].label}.", requirement=perm.value)


def require_tab_access(viewer: Viewer) -> None:
    """A tab's templates are offered to print with Communication alone (TPL-06, TPL-07)."""
    if not viewer.is_staff:
        raise AuthorizationError("Templates are for staff.")
    if not viewer.permissions.has(Perm.COMMUNICATION):
        raise AuthorizationError(f"Templates need {CATALOGUE[Perm.COMMUNICATION].label}.",
                                 requirement=Perm.COMMUNICATION.value)


def sees_others(viewer: Viewer) -> bool:
    """PERM-30: "Templates Created by Others" (View or Edit) shows every template."""
    return viewer.permissions.has(Perm.TEMPLATES_CREATED_BY_OTHERS)


def edits_others(viewer: Viewer) -> bool:
    """PERM-31: "Templates Created by Others" at Edit changes and deletes every template."""
    return viewer.permissions.has(Perm.TEMPLATES_CREATED_BY_OTHERS, PermissionLevel.EDIT)


def publishes(viewer: Viewer) -> bool:
    """PERM-33: "Publish Templates" sets profiles, schools and the tab."""
    return viewer.permissions.has(Perm.PUBLISH_TEMPLATES)


def shared_with(viewer: Viewer):
    """TPL-03: one of the template's profiles is the viewer's, and it names none of the schools or
    one of the viewer's."""
    profile_ids = [profile.id for profile in viewer.profiles]
    profiles = exists().where(MessageTemplateProfile.template_id == MessageTemplate.id,
                              MessageTemplateProfile.profile_id.in_(profile_ids))
    any_school = exists().where(MessageTemplateSchool.template_id == MessageTemplate.id)
    own_school = exists().where(MessageTemplateSchool.template_id == MessageTemplate.id,
                                MessageTemplateSchool.school_id.in_(sorted(viewer.school_ids)))
    return and_(profiles, or_(not_(any_school), own_school))


def visible_templates(viewer: Viewer) -> list:
    """WHERE clauses on MessageTemplate: the templates the viewer may see and use."""
    if sees_others(viewer):
        return []
    return [or_(MessageTemplate.author_id == viewer.id, shared_with(viewer))]


def visible_template(session: Session, viewer: Viewer, template_id: int, *, lock: bool = False,
                     path: tuple[str | int, ...] = ("id",)) -> MessageTemplate:
    """One template the viewer may see (``lock``: held for a change), or TemplateNotFound."""
    require_template_access(viewer)
    query = select(MessageTemplate).where(MessageTemplate.id == template_id, *visible_templates(viewer))
    template = session.execute(query.with_for_update() if lock else query).scalars().first()
    if template is None:
        raise TemplateNotFound(path)
    return template


def may_change_content(viewer: Viewer, template: MessageTemplate) -> bool:
    return template.author_id == viewer.id or edits_others(viewer)


def check_change(viewer: Viewer, template: MessageTemplate | None, changed: set[str]) -> None:
    """TPL-04, PERM-31…PERM-33: AuthorizationError unless the viewer may make every change in
    ``changed`` (input names) to ``template`` (None: a new one, the viewer's own)."""
    for field in sorted(changed & FIELD_PERMISSIONS.keys()):
        perm = FIELD_PERMISSIONS[field]
        if not viewer.permissions.has(perm):
            raise AuthorizationError(f"Setting {field} needs {CATALOGUE[perm].label}.", requirement=perm.value)
    publishing = changed & set(PUBLISHING_FIELDS)
    if publishing and not publishes(viewer):
        raise AuthorizationError(f"Setting {', '.join(sorted(publishing))} needs Publish Templates.",
                                 requirement=Perm.PUBLISH_TEMPLATES.value)
    content = changed - set(PUBLISHING_FIELDS)
    if template is not None and (content or not publishing) and not may_change_content(viewer, template):
        raise AuthorizationError("Changing another user's template needs Templates Created by Others (Edit).",
                                 requirement=Perm.TEMPLATES_CREATED_BY_OTHERS.value)
