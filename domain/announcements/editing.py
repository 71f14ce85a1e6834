"""Creating, changing, re-posting and deleting announcements (ANN-01…ANN-07, ANN-12, ANN-20…ANN-22,
TRN-04, TRN-05).

One request type serves the create form, the full edit and the inline edit from the list
(domain.announcements.request): a field left out keeps its value. A value given as it is stored is
no change, so it needs no permission and meets no check (a form may send every field back). Every
problem is reported at once and nothing is written; a field the viewer may not set is an
AuthorizationError (domain.announcements.rules). A full edit with ``repost`` raises the posting
number, so the queue posts the announcement once more (ANN-20). Deleting marks it deleted (ANN-21):
it leaves every portal and list, and its postings stay in the ledger.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy import update as update_rows
from sqlmodel import Session

from domain.access.viewer import Viewer
from domain.announcements.calendar import district_today
from domain.announcements.events import publish_announcement_changed
from domain.announcements.request import DEFAULTS, INPUT_NAMES, AnnouncementRequest, EmailAttachment, TranslationText
from domain.announcements.rules import (
    AnnouncementNotFound, check_fields, check_repost, check_staff_profiles, managed_announcement,
    require_announcement_editing, translated_attachments_changed, writes_class_announcements,
)
from domain.announcements.validation import known_profiles, problems_of
from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from domain.delivery.progress_events import ProgressBus
from domain.editor.mode import TextEditor, editor_in_use, template_html
from domain.support.errors import InvalidInput, Refusal
from domain.translations.languages import supported_language
from models.announcements import (
    Announcement, AnnouncementGradeLevel, AnnouncementProfile, AnnouncementSchool, AnnouncementSection,
)
from models.db import utcnow
from models.directory import Role, School
from models.translations import AnnouncementTranslation

#: ANN-07: an administrator reaching more than this many schools confirms an all-schools posting.
CONFIRM_ABOVE_SCHOOLS = 5

#: The link tables behind the list fields, and their value column.
_LINKS = {"profile_ids": (AnnouncementProfile, "profile_id"), "school_ids": (AnnouncementSchool, "school_id"),
          "grade_levels": (AnnouncementGradeLevel, "grade_level"), "section_ids": (AnnouncementSection, "section_id")}
_COLUMNS = ("title", "html_body", "start_date", "end_date", "sort_order", "student_contacts", "push", "public",
            "sms_text", "call_text")
#: A marker no stored value equals: a field without a default is always a change on create.
KEEP_NONE: Any = object()
_TRANSLATION_PARTS = ("title", "html_body", "email_subject", "email_html_body", "sms_text", "call_text")


class SchoolCountToConfirm(Refusal):
    """ANN-07: posting to all schools reaches this many; repeat with ``confirm`` to post."""

    def __init__(self, school_count: int):
        super().__init__(f"confirm posting to all {school_count} schools")
        self.school_count = school_count


def announcement_changed(session: Session, announcement_id: int, events: ProgressBus | None) -> None:
    """The one call site of the announcement events (issue 19 point 4): the ``announcements``
    subscriptions hear of it once the transaction commits."""
    publish_announcement_changed(session, events, announcement_id)


def _clean(name: str, value: Any, editor: TextEditor) -> Any:
    """A value in its stored form: trimmed one-line text, HTML cleaned as every stored body is (in
    the new editor's form once the district uses it, EDT-03), lists as tuples."""
    if name == "title":
        return value.strip()
    if name == "html_body":
        return template_html(editor, value or "")
    if name == "email" and value is not None:
        return EmailAttachment(subject=value.subject.strip(), html_body=template_html(editor, value.html_body))
    if name in _LINKS:
        return tuple(value)
    if name == "translations":
        return tuple(_clean_translation(text, editor) for text in value)  # in the given order: problems name its indexes
    return value


def _clean_translation(text: TranslationText, editor: TextEditor) -> TranslationText:
    return TranslationText(
        language=supported_language(text.language) or text.language,
        title=text.title.strip() if text.title is not None else None,
        html_body=template_html(editor, text.html_body) if text.html_body is not None else None,
        email_subject=text.email_subject.strip() if text.email_subject is not None else None,
        email_html_body=template_html(editor, text.email_html_body) if text.email_html_body is not None else None,
        sms_text=text.sms_text, call_text=text.call_text)


def stored_values(session: Session, announcement: Announcement) -> dict[str, Any]:
    """The announcement's values by request name: five statements."""
    values: dict[str, Any] = {name: getattr(announcement, name) for name in _COLUMNS}
    values["email"] = (EmailAttachment(announcement.email_subject or "", announcement.email_html_body or "")
                       if announcement.email_subject is not None or announcement.email_html_body is not None else None)
    for name, (table, column) in _LINKS.items():
        values[name] = tuple(sorted(session.execute(select(getattr(table, column)).where(
            table.announcement_id == announcement.id)).scalars()))
    values["translations"] = tuple(
        TranslationText(language=row.language, **{part: getattr(row, part) for part in _TRANSLATION_PARTS})
        for row in session.execute(select(AnnouncementTranslation).where(
            AnnouncementTranslation.announcement_id == announcement.id)
            .order_by(AnnouncementTranslation.language)).scalars())
    return values


def _same(name: str, wanted: Any, stored: Any) -> bool:
    if name in _LINKS:
        return len(wanted) == len(set(wanted)) and set(wanted) == set(stored)
    if name == "translations":
        return sorted(wanted, key=_by_language) == sorted(stored, key=_by_language)
    return wanted == stored


def _by_language(text: TranslationText) -> str:
    return text.language


def _authorize(session: Session, viewer: Viewer, changes: dict[str, Any], stored_profiles: tuple[int, ...] = (),
               stored_translations: tuple[TranslationText, ...] = ()) -> None:
    """Every gate of the changed fields (rules.FIELD_PERMISSIONS, PERM-52): AuthorizationError. A
    translated email, SMS or call text that changes needs its attachment's permission, as the
    original does (PERM-26…PERM-28, PERM-49…PERM-51)."""
    changed = {INPUT_NAMES[name] for name in changes}
    if "translations" in changes:
        changed |= translated_attachments_changed(changes["translations"], stored_translations)
    check_fields(viewer, changed)
    if "profile_ids" in changes:
        added = set(changes["profile_ids"]) - set(stored_profiles)
        roles = known_profiles(session, added)
        check_staff_profiles(viewer, any(role in (Role.ADMIN.value, Role.TEACHER.value) for role in roles.values()))


def _confirm_school_count(session: Session, viewer: Viewer, values: dict[str, Any], confirm: bool,
                          class_announcement: bool) -> None:
    """ANN-07: an administrator who reaches more than five schools confirms posting to all of them
    (no school selected: district-wide, ANN-06); the refusal says how many schools it reaches: every
    school that takes part in communication (a school excluded from it, SYS-06, reaches no one)."""
    if (viewer.role is Role.ADMIN and len(viewer.school_ids) > CONFIRM_ABOVE_SCHOOLS and not values["school_ids"]
            and not class_announcement and not confirm):
        raise SchoolCountToConfirm(session.execute(select(func.count()).select_from(School).where(
            School.exclude_from_communication.is_(False))).scalar_one())


def _write_links(session: Session, announcement_id: int, changes: dict[str, Any]) -> None:
    for name, (table, column) in _LINKS.items():
        if name not in changes:
            continue
        session.execute(delete(table).where(table.announcement_id == announcement_id))
        if changes[name]:
            session.execute(insert(table), [{"announcement_id": announcement_id, column: value}
                                            for value in dict.fromkeys(changes[name])])


def _write_translations(session: Session, announcement_id: int, texts: tuple[TranslationText, ...]) -> None:
    """TRN-04, TRN-05: the given set replaces the stored one."""
    session.execute(delete(AnnouncementTranslation).where(AnnouncementTranslation.announcement_id == announcement_id))
    if texts:
        session.execute(insert(AnnouncementTranslation), [
            {"announcement_id": announcement_id, "language": text.language,
             **{part: getattr(text, part) for part in _TRANSLATION_PARTS}} for text in texts])


def _drop_removed_attachment_translations(session: Session, announcement_id: int, changes: dict[str, Any]) -> None:
    """ANN-12: removing an attachment deletes it, translations included."""
    gone: dict[str, None] = {}
    if "email" in changes and changes["email"] is None:
        gone.update(email_subject=None, email_html_body=None)
    for name in ("sms_text", "call_text"):
        if name in changes and changes[name] is None:
            gone[name] = None
    if gone and "translations" not in changes:
        session.execute(update_rows(AnnouncementTranslation).where(
            AnnouncementTranslation.announcement_id == announcement_id).values(**gone))


def _apply_columns(announcement: Announcement, changes: dict[str, Any]) -> None:
    for name in _COLUMNS:
        if name in changes:
            setattr(announcement, name, changes[name])
    if "email" in changes:
        email = changes["email"]
        announcement.email_subject = email.subject if email is not None else None
        announcement.email_html_body = email.html_body if email is not None else None


def create(session: Session, viewer: Viewer, request: AnnouncementRequest, *,
           events: ProgressBus | None = None) -> Announcement:
    """ANN-01…ANN-07, ANN-22: a new announcement of the viewer's, starting today unless given."""
    require_announcement_editing(viewer)
    class_announcement = writes_class_announcements(viewer)
    editor = editor_in_use(session, lock=True)  # EDT-03: the form a switch in progress leads to
    given = {name: _clean(name, value, editor) for name, value in request.given().items()}
    values = {**DEFAULTS, "start_date": district_today(viewer.district), **given}
    changes = {name: value for name, value in given.items() if not _same(name, value, DEFAULTS.get(name, KEEP_NONE))}
    _authorize(session, viewer, changes)
    problems = problems_of(session, viewer, values, set(changes) | {"title", "start_date"},
                           class_announcement=class_announcement)
    if problems:
        raise InvalidInput(problems)
    _confirm_school_count(session, viewer, values, request.confirm, class_announcement)
    announcement = Announcement(author_id=viewer.id, start_date=values["start_date"],
                                class_announcement=class_announcement, title=values["title"])
    _apply_columns(announcement, values)
    session.add(announcement)
    session.flush()
    _write_links(session, announcement.id, values)
    if values["translations"]:
        _write_translations(session, announcement.id, values["translations"])
    record(session, Actor.of(viewer), AuditAction.ANNOUNCEMENT_CREATED, object_type="announcement",
           object_ids=[announcement.id])
    announcement_changed(session, announcement.id, events)
    return announcement


def update(session: Session, viewer: Viewer, announcement_id: int, request: AnnouncementRequest, *,
           events: ProgressBus | None = None) -> Announcement:
    """ANN-20: change the fields given (the inline edit sends one; the full edit may re-post)."""
    require_announcement_editing(viewer)
    editor = editor_in_use(session, lock=True)  # before the announcement's lock, in the switch's order
    try:
        announcement = managed_announcement(session, viewer, announcement_id, lock=True)
    except AnnouncementNotFound:
        # With nothing to compare with, every gated value given is a change: FORBIDDEN for one the
        # viewer may not set, whether the id is missing or another's (which answers the same).
        check_fields(viewer, {INPUT_NAMES[name] for name in request.given()})
        raise
    stored = stored_values(session, announcement)
    given = {name: _clean(name, value, editor) for name, value in request.given().items()}
    # a body saved before a policy or editor change may not be in today's form: compare like with like
    comparable = {**stored, "html_body": _clean("html_body", stored["html_body"], editor),
                  "email": _clean("email", stored["email"], editor),
                  "translations": _clean("translations", stored["translations"], editor)}
    changes = {name: value for name, value in given.items() if not _same(name, value, comparable[name])}
    values = {**stored, **changes}
    _authorize(session, viewer, changes, stored_profiles=stored["profile_ids"],
               stored_translations=comparable["translations"])
    if request.repost:  # ANN-20: a re-post sends each attachment the announcement keeps once more
        check_repost(viewer, email=values["email"] is not None, sms=values["sms_text"] is not None,
                     call=values["call_text"] is not None, push=bool(values["push"]))
    problems = problems_of(session, viewer, values, set(changes), class_announcement=announcement.class_announcement,
                           kept_school_ids=frozenset(stored["school_ids"]),
                           kept_section_ids=frozenset(stored["section_ids"]))
    if problems:
        raise InvalidInput(problems)
    if not changes and not request.repost:  # a form sent back as it was: nothing to write
        return announcement
    if "school_ids" in changes or request.repost:
        _confirm_school_count(session, viewer, values, request.confirm, announcement.class_announcement)
    _apply_columns(announcement, changes)
    if request.repost:  # ANN-20: the queue posts each posting number once
        announcement.posting_number += 1
    announcement.updated_at = utcnow()
    session.add(announcement)
    session.flush()
    _write_links(session, announcement.id, changes)
    if "translations" in changes:
        _write_translations(session, announcement.id, changes["translations"])
    _drop_removed_attachment_translations(session, announcement.id, changes)
    record(session, Actor.of(viewer), AuditAction.ANNOUNCEMENT_UPDATED, object_type="announcement",
           object_ids=[announcement.id])
    announcement_changed(session, announcement.id, events)
    return announcement


def remove(session: Session, viewer: Viewer, announcement_id: int, *, events: ProgressBus | None = None) -> int:
    """ANN-21: the announcement leaves every portal and list; its postings stay in the ledger."""
    require_announcement_editing(viewer)
    announcement = managed_announcement(session, viewer, announcement_id, lock=True)
    announcement.deleted_at = announcement.updated_at = utcnow()
    session.add(announcement)
    session.flush()
    record(session, Actor.of(viewer), AuditAction.ANNOUNCEMENT_DELETED, object_type="announcement",
           object_ids=[announcement.id])
    announcement_changed(session, announcement.id, events)
    return announcement.id
