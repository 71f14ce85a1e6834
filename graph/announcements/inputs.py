"""The announcement input of createAnnouncement and updateAnnouncement (ANN-01…ANN-07, ANN-12,
ANN-20, ANN-22, TRN-04).

Every field is optional: updateAnnouncement changes the fields given and keeps the rest (an inline
edit from the list sends only the column it changes, ANN-20); createAnnouncement needs a title and,
unless public, a profile. Each attachment and flag says the permission it needs; the domain checks
them again on every change (domain.announcements.rules).
"""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.access.permissions import Perm
from domain.announcements.request import KEEP, AnnouncementRequest, EmailAttachment, TranslationText
from domain.support.global_ids import Kind
from graph.announcements.types import AnnouncementStudentContacts
from graph.pagination import parse_ids
from graph.permissions import gated
from models import announcements as db


def _keep_unset(value):
    return KEEP if value is strawberry.UNSET else value


@strawberry.input(description="The email an announcement's posting sends (ANN-12).")
class AnnouncementEmailInput:
    subject: str = strawberry.field(description="Required, at most 200 characters, one line.")
    html_body: str = strawberry.field(description="Required; stored sanitized as a message's body is.")


@strawberry.input(description="An announcement's text in one language (TRN-04); a part left null reads the original.")
class AnnouncementTranslationInput:
    language: str = strawberry.field(description="A supported language's code (supportedLanguages), once per "
                                                 "announcement, not the original's.")
    title: str | None = strawberry.field(default=None, description="The title, one line, at most 200 characters.")
    html_body: str | None = strawberry.field(default=None, description="The body on the portal (HTML).")
    email_subject: str | None = strawberry.field(default=None, description="The email's subject, when it has one.")
    email_html_body: str | None = strawberry.field(default=None, description="The email's body, when it has one.")
    sms_text: str | None = strawberry.field(default=None, description="The SMS, within the district limit, when it "
                                                                      "has one.")
    call_text: str | None = strawberry.field(default=None, description="The call text, within the call-minute limit, "
                                                                       "when it has one.")


@strawberry.input(description="An announcement's fields; a field left out keeps its value (updateAnnouncement) or its "
                              "default (createAnnouncement).")
class AnnouncementInput:
    title: str | None = strawberry.field(default=strawberry.UNSET, description=(
        "Required, at most 200 characters, one line (ANN-01)."))
    html_body: str | None = strawberry.field(default=strawberry.UNSET, description=(
        "The body on the portal (HTML), stored sanitized as a message's body is."))
    start_date: dt.date | None = strawberry.field(default=strawberry.UNSET, description=(
        "Shown from this day; default: today in the district's time zone (ANN-02)."))
    end_date: dt.date | None = strawberry.field(default=strawberry.UNSET, description=(
        "Shown through this day, not before the start date; null: no expiry, the default (ANN-02)."))
    sort_order: int | None = strawberry.field(default=strawberry.UNSET, description=(
        "0 to 9999, sorted ones first, ascending (ANN-09); null: unsorted."))
    profile_ids: list[strawberry.ID] | None = strawberry.field(default=strawberry.UNSET, description=(
        "Whose users see it; at least one unless public (ANN-03). Teachers need \"Send to Staff\" for staff profiles "
        "(PERM-52)."))
    school_ids: list[strawberry.ID] | None = strawberry.field(default=strawberry.UNSET, description=(
        "Among announcementSchoolOptions (ANN-05); empty: district-wide (ANN-06), which an administrator reaching "
        "more than five schools confirms (ANN-07). Not on class announcements."))
    grade_levels: list[str] | None = strawberry.field(default=strawberry.UNSET, description=(
        'Limit to these grade levels, e.g. "K", "7" (ANN-08); empty: every grade. Not on class announcements.'))
    section_ids: list[strawberry.ID] | None = strawberry.field(default=strawberry.UNSET, description=(
        "A teacher's class announcement: sections of their own schedule, at least one (PERM-48, ANN-22)."))
    student_contacts: AnnouncementStudentContacts | None = strawberry.field(default=strawberry.UNSET, description=(
        "Who besides the targeted students sees it (ANN-04); null: the students only."))
    push: bool | None = gated("Its posting pushes to the app (ANN-11, PERM-22, PERM-53).", Perm.PUSH_NOTIFICATIONS,
                              default=strawberry.UNSET)
    public: bool | None = gated("Public (Mobile App): on the public feed; then no profile is needed (ANN-03, ANN-10, "
                                "PERM-29).", Perm.ANNOUNCEMENTS_MOBILE_APP_PUBLIC, default=strawberry.UNSET)
    email: AnnouncementEmailInput | None = gated(
        "The email its posting sends (ANN-12, PERM-26, PERM-49); null removes it.", Perm.ANNOUNCEMENTS_SEND_EMAILS,
        default=strawberry.UNSET)
    sms_text: str | None = gated("The SMS its posting sends, within the district's SMS limit (SMS-01, SMS-04, "
                                 "PERM-27, PERM-50); null removes it.", Perm.ANNOUNCEMENTS_SEND_SMS,
                                 default=strawberry.UNSET)
    call_text: str | None = gated("The text-to-speech call its posting makes, within the call-minute limit (VOI-01, "
                                  "VOI-06, PERM-28, PERM-51); null removes it.", Perm.ANNOUNCEMENTS_SEND_CALLS,
                                  default=strawberry.UNSET)
    translations: list[AnnouncementTranslationInput] | None = strawberry.field(default=strawberry.UNSET, description=(
        "Its manual translations, one per language, replacing those it has (TRN-04, TRN-05); needs the translations "
        "add-on. Polls and sign-ups on announcements come later."))


def _text(value: str | None) -> str:
    return "" if value is None else value


def to_announcement_request(data: AnnouncementInput, *, repost: bool = False, confirm: bool = False
                            ) -> AnnouncementRequest:
    """The domain request; a required value given as null reads as blank (title) or is kept (flags)."""
    values = {name: _keep_unset(getattr(data, name)) for name in (
        "title", "html_body", "start_date", "end_date", "sort_order", "push", "public", "sms_text", "call_text")}
    for name in ("title", "html_body"):
        if values[name] is None:
            values[name] = _text(None)
    for name in ("start_date", "push", "public"):
        if values[name] is None:
            values[name] = KEEP
    for name, kind in (("profile_ids", Kind.PROFILE), ("school_ids", Kind.SCHOOL), ("section_ids", Kind.SECTION)):
        ids = _keep_unset(getattr(data, name))
        values[name] = KEEP if ids is KEEP else parse_ids(ids or [], kind)
    grades = _keep_unset(data.grade_levels)
    values["grade_levels"] = KEEP if grades is KEEP else tuple(grade.strip() for grade in grades or ())
    contacts = _keep_unset(data.student_contacts)
    values["student_contacts"] = contacts if contacts in (KEEP, None) else db.AnnouncementStudentContacts(
        contacts.value)
    email = _keep_unset(data.email)
    values["email"] = email if email in (KEEP, None) else EmailAttachment(subject=email.subject,
                                                                           html_body=email.html_body)
    texts = _keep_unset(data.translations)
    values["translations"] = KEEP if texts is KEEP else tuple(TranslationText(
        language=text.language, title=text.title, html_body=text.html_body, email_subject=text.email_subject,
        email_html_body=text.email_html_body, sms_text=text.sms_text, call_text=text.call_text)
        for text in texts or ())
    return AnnouncementRequest(**values, repost=repost, confirm=confirm)
