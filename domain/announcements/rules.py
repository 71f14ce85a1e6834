"""Who may list, read, create, change and delete announcements, and which fields need which
permission (PERM-22, PERM-25…PERM-29, PERM-48…PERM-53, SMS-01, VOI-01).

- **List and read** (PERM-25): administrators with "Announcements" (View); teachers with "Class
  Announcements" (PERM-48), who manage their own class announcements only.
- **Create, post, change, delete** (PERM-25, PERM-48): "Announcements" at Edit for
  administrators; "Class Announcements" for teachers, whose announcements are always class
  announcements (ANN-22).
- **Which announcements** (the reading this module documents): an administrator manages those
  they wrote and those whose every school is one of theirs (a district-wide one, ANN-06, when they
  reach every school that takes part in communication, SYS-06; a class announcement when every
  section is at one of their schools); a
  teacher manages the class announcements they wrote. Anything else answers exactly like an id
  that does not exist (AnnouncementNotFound).
- **Fields** each need their own permission to set or change (ANN-12): the email (PERM-26,
  PERM-49), the SMS (PERM-27, PERM-50, SMS-01), the call (PERM-28, PERM-51, VOI-01), Public
  (PERM-29) and push (PERM-22, PERM-53); a teacher selecting a staff profile needs "Send to Staff"
  (PERM-52). A field without its permission is an AuthorizationError and nothing is written.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, not_, or_, select
from sqlmodel import Session

from domain.access.permissions import CATALOGUE, Addon, Perm
from domain.access.viewer import Viewer
from domain.support.errors import AuthorizationError, FieldProblem, InvalidInput
from models.announcements import Announcement, AnnouncementSchool, AnnouncementSection
from models.directory import PermissionLevel, Role, School, Section

#: Input names of the fields that need a permission of their own to set, change or remove.
FIELD_PERMISSIONS: dict[str, Perm] = {
    "email": Perm.ANNOUNCEMENTS_SEND_EMAILS,  # PERM-26, PERM-49
    "smsText": Perm.ANNOUNCEMENTS_SEND_SMS,  # PERM-27, PERM-50, SMS-01
    "callText": Perm.ANNOUNCEMENTS_SEND_CALLS,  # PERM-28, PERM-51, VOI-01
    "public": Perm.ANNOUNCEMENTS_MOBILE_APP_PUBLIC,  # PERM-29
    "push": Perm.PUSH_NOTIFICATIONS,  # PERM-22, PERM-53
}


class AnnouncementNotFound(InvalidInput):
    """No announcement the viewer manages has that id (another's answers the same)."""

    def __init__(self, path: tuple[str | int, ...] = ("id",)):
        super().__init__([FieldProblem(path, "NOT_FOUND", "No announcement you can manage has that id.")])


def writes_class_announcements(viewer: Viewer) -> bool:
    """PERM-48: a teacher's announcements are class announcements, targeted by their sections."""
    return viewer.role is Role.TEACHER


def _reads(viewer: Viewer) -> bool:
    if viewer.role is Role.ADMIN:
        return viewer.permissions.has(Perm.ANNOUNCEMENTS)
    return viewer.role is Role.TEACHER and viewer.permissions.has(Perm.CLASS_ANNOUNCEMENTS)


def may_edit(viewer: Viewer) -> bool:
    """PERM-25 (Edit) for administrators, PERM-48 for teachers."""
    if viewer.role is Role.ADMIN:
        return viewer.permissions.has(Perm.ANNOUNCEMENTS, PermissionLevel.EDIT)
    return viewer.role is Role.TEACHER and viewer.permissions.has(Perm.CLASS_ANNOUNCEMENTS)


def require_announcement_access(viewer: Viewer) -> None:
    """PERM-25 (View) or PERM-48: AuthorizationError for anyone else."""
    if not _reads(viewer):
        perm = Perm.CLASS_ANNOUNCEMENTS if viewer.role is Role.TEACHER else Perm.ANNOUNCEMENTS
        raise AuthorizationError(f"Announcements need {CATALOGUE[perm].label}.", requirement=perm.value)


def require_announcement_editing(viewer: Viewer) -> None:
    """PERM-25 (Edit) or PERM-48: AuthorizationError for anyone else."""
    require_announcement_access(viewer)
    if not may_edit(viewer):
        raise AuthorizationError("Creating, changing and deleting announcements needs Announcements (Edit).",
                                 requirement=Perm.ANNOUNCEMENTS.value)


def _outside(viewer: Viewer, school_column) -> object:
    # with no school of the viewer's, every school is outside (the column names its table for EXISTS)
    return school_column.not_in(sorted(viewer.school_ids)) if viewer.school_ids else school_column.is_not(None)


def managed_announcements(viewer: Viewer) -> list:
    """WHERE clauses on Announcement: the (undeleted) announcements the viewer manages."""
    require_announcement_access(viewer)
    mine = Announcement.author_id == viewer.id
    where = [Announcement.deleted_at.is_(None)]
    if viewer.role is not Role.ADMIN:
        return [*where, mine, Announcement.class_announcement.is_(True)]
    has_school = exists().where(AnnouncementSchool.announcement_id == Announcement.id)
    school_outside = exists().where(AnnouncementSchool.announcement_id == Announcement.id,
                                    _outside(viewer, AnnouncementSchool.school_id))
    reaches_every_school = not_(exists().where(School.exclude_from_communication.is_(False),
                                               _outside(viewer, School.id)))
    section_outside = exists().where(AnnouncementSection.announcement_id == Announcement.id,
                                     Section.id == AnnouncementSection.section_id,
                                     _outside(viewer, Section.school_id))
    in_reach = or_(
        and_(Announcement.class_announcement.is_(False), not_(school_outside),
             or_(has_school, reaches_every_school)),
        and_(Announcement.class_announcement.is_(True), not_(section_outside)))
    return [*where, or_(mine, in_reach)]


def managed_announcement(session: Session, viewer: Viewer, announcement_id: int, *, lock: bool = False,
                         path: tuple[str | int, ...] = ("id",)) -> Announcement:
    """One announcement the viewer manages (``lock``: held for a change), or AnnouncementNotFound."""
    query = select(Announcement).where(Announcement.id == announcement_id, *managed_announcements(viewer))
    found = session.execute(query.with_for_update() if lock else query).scalars().first()
    if found is None:
        raise AnnouncementNotFound(path)
    return found


def check_fields(viewer: Viewer, changed: set[str]) -> None:
    """AuthorizationError for the first field in ``changed`` (input names) the viewer may not set."""
    for field in sorted(changed & FIELD_PERMISSIONS.keys()):
        perm = FIELD_PERMISSIONS[field]
        if not viewer.permissions.has(perm):
            raise AuthorizationError(f"Setting {field} on an announcement needs {CATALOGUE[perm].label}.",
                                     requirement=perm.value)
    if "translations" in changed and not viewer.permissions.addon_enabled(Addon.TRANSLATIONS):
        raise AuthorizationError("Manual translations need the translations add-on (TRN-04).")


#: The attachment (input name) each gated part of a translation belongs to: the part needs its permission.
TRANSLATION_PART_FIELDS: dict[str, str] = {
    "email_subject": "email", "email_html_body": "email", "sms_text": "smsText", "call_text": "callText",
}


def translated_attachments_changed(wanted: tuple, stored: tuple) -> set[str]:
    """The attachments (input names) whose translated part differs between two sets of translations
    (TranslationText); a language added or removed changes each part it has."""
    before = {text.language: text for text in stored}
    after = {text.language: text for text in wanted}
    changed: set[str] = set()
    for language in before.keys() | after.keys():
        for part, field in TRANSLATION_PART_FIELDS.items():
            if getattr(before.get(language), part, None) != getattr(after.get(language), part, None):
                changed.add(field)
    return changed


def check_repost(viewer: Viewer, *, email: bool, sms: bool, call: bool, push: bool) -> None:
    """ANN-20 with PERM-22, PERM-26…PERM-28, PERM-49…PERM-51: re-posting sends every attachment the
    announcement has again, so each needs its permission (SMS and calls the callout add-on with it)."""
    present = {"email": email, "smsText": sms, "callText": call, "push": push}
    for field in sorted(name for name, there in present.items() if there):
        perm = FIELD_PERMISSIONS[field]
        if not viewer.permissions.has(perm):
            raise AuthorizationError(f"Re-posting an announcement with {field} needs {CATALOGUE[perm].label}.",
                                     requirement=perm.value)


def check_staff_profiles(viewer: Viewer, staff_profiles: bool) -> None:
    """PERM-52: a teacher needs "Send to Staff" to show an announcement to staff profiles."""
    if staff_profiles and viewer.role is Role.TEACHER and not viewer.permissions.has(Perm.SEND_TO_STAFF):
        raise AuthorizationError("Selecting staff profiles needs Send to Staff.", requirement=Perm.SEND_TO_STAFF.value)

