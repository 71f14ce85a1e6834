"""Announcements as the management list and form show them (ANN-01…ANN-22, TRN-04)."""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.announcements.listing import AnnouncementView
from domain.support.global_ids import Kind
from graph.directory.types import Role, School, Section
from graph.enum_values import describe_values
from graph.node import Node
from graph.pagination import node_id
from models import announcements as db

AnnouncementStudentContacts = describe_values(strawberry.enum(db.AnnouncementStudentContacts, description=(
    "Which people connected to the targeted students see the announcement (ANN-04), as the recipient rules read "
    "them.")), {
    db.AnnouncementStudentContacts.PRIMARY: "The students' primary contacts (RCP-06).",
    db.AnnouncementStudentContacts.ALL: "All of the students' contacts (RCP-07).",
    db.AnnouncementStudentContacts.ONCE_PER_FAMILY: "One student's contacts per family (RCP-09).",
    db.AnnouncementStudentContacts.TEACHERS_OF: "The students' teachers (RCP-12).",
})


@strawberry.type(description="A profile whose users see an announcement (ANN-03).")
class AnnouncementProfile:
    id: strawberry.ID = strawberry.field(description="The profile's id.")
    name: str = strawberry.field(description="The profile's name.")
    role: Role = strawberry.field(description="The role the profile is for.")


@strawberry.type(description="The email an announcement's posting sends (ANN-12, PERM-26).")
class AnnouncementEmail:
    subject: str = strawberry.field(description="The subject, one line.")
    html_body: str = strawberry.field(description="The body (sanitized HTML).")


@strawberry.type(description=(
    "A file an announcement carries (ANN-12), copied onto the email its posting sends. Uploaded and removed at "
    "/announcements/{id}/attachments."))
class AnnouncementFile:
    id: strawberry.ID = strawberry.field(description="The file's id.")
    filename: str = strawberry.field(description="The name it was uploaded with.")
    content_type: str = strawberry.field(description='Its media type, e.g. "application/pdf".')
    size: int = strawberry.field(description="Its size in bytes.")
    download_path: str = strawberry.field(description=(
        "Where to GET it, relative to the API's origin, with the same bearer token; DELETE there removes it."))

    @classmethod
    def of(cls, announcement_id: str, row) -> AnnouncementFile:
        file_id = node_id(Kind.ANNOUNCEMENT_FILE, row.id)
        return cls(id=file_id, filename=row.filename, content_type=row.content_type, size=row.size,
                   download_path=f"/announcements/{announcement_id}/attachments/{file_id}")


@strawberry.type(description="An announcement's manual translation into one language (TRN-04); null parts read the "
                             "original.")
class AnnouncementTranslation:
    language: str = strawberry.field(description='The language\'s BCP 47 code, e.g. "es" (supportedLanguages).')
    title: str | None = strawberry.field(description="The title on the portal.")
    html_body: str | None = strawberry.field(description="The body on the portal (sanitized HTML).")
    email_subject: str | None = strawberry.field(description="The email's subject.")
    email_html_body: str | None = strawberry.field(description="The email's body (sanitized HTML).")
    sms_text: str | None = strawberry.field(description="The SMS.")
    call_text: str | None = strawberry.field(description="The call's text-to-speech text.")


@strawberry.type(description="One time the queue posted the announcement (ANN-13): its posting number and when.")
class AnnouncementPosting:
    posting_number: int = strawberry.field(description="1 for the first posting; each re-post adds one (ANN-20).")
    posted_at: dt.datetime = strawberry.field(description="When it was posted (UTC).")


@strawberry.type(description="Who wrote an announcement.")
class AnnouncementAuthor:
    id: strawberry.ID = strawberry.field(description="The user's id.")
    name: str = strawberry.field(description="First and last name.")


@strawberry.type(description=(
    "A post on the portal and mobile app (ANN-01): shown from its start date until its end date has passed "
    "(ANN-02) to the users its profiles, schools, grade levels or sections and student-contacts option select, and "
    "posted by the queue on its start date with the email, SMS, call and push it carries (ANN-11…ANN-14). Polls "
    "and sign-ups on announcements come later."))
class Announcement(Node):
    id: strawberry.ID = strawberry.field(description="The announcement's id.")
    title: str = strawberry.field(description="Its title (ANN-01).")
    html_body: str = strawberry.field(description="Its body on the portal (sanitized HTML).")
    subtitle: str = strawberry.field(description=(
        '"District Announcement" with no school, the school\'s name with one, empty with several (ANN-15).'))
    start_date: dt.date = strawberry.field(description="Shown from this day, in the district's time zone (ANN-02).")
    end_date: dt.date | None = strawberry.field(description="Shown through this day; null: no expiry (ANN-02).")
    active: bool = strawberry.field(description="Shown today: started, not ended, not deleted (ANN-02, ANN-19).")
    sort_order: int | None = strawberry.field(description="Its place among sorted ones, ascending; null: after those "
                                                          "(ANN-09).")
    profiles: list[AnnouncementProfile] = strawberry.field(description="Whose users see it (ANN-03); empty only "
                                                                       "when public.")
    schools: list[School] = strawberry.field(description="Its schools; empty: district-wide (ANN-05, ANN-06).")
    all_schools: bool = strawberry.field(description="No school selected: every school (ANN-06, ANN-19).")
    grade_levels: list[str] = strawberry.field(description="The grade levels it is limited to; empty: every grade "
                                                           "(ANN-08).")
    sections: list[Section] = strawberry.field(description="A class announcement's sections (ANN-22).")
    student_contacts: AnnouncementStudentContacts | None = strawberry.field(description=(
        "Who besides the targeted students sees it (ANN-04); null: the students only."))
    push: bool = strawberry.field(description="Its posting pushes to the app (ANN-11, PERM-22, PERM-53).")
    public: bool = strawberry.field(description="Public (Mobile App): on the district's public feed (ANN-10, PERM-29).")
    class_announcement: bool = strawberry.field(description="A teacher's class announcement (PERM-48, ANN-22).")
    email: AnnouncementEmail | None = strawberry.field(description="The email its posting sends (ANN-12); null: none.")
    sms_text: str | None = strawberry.field(description="The SMS its posting sends (SMS-01); null: none.")
    call_text: str | None = strawberry.field(description="The call its posting makes (VOI-01); null: none.")
    files: list[AnnouncementFile] = strawberry.field(description="Its files, in upload order (ANN-12).")
    translations: list[AnnouncementTranslation] = strawberry.field(description=(
        "Its manual translations, by language (TRN-04, TRN-05)."))
    posting_number: int = strawberry.field(description="The posting the queue makes next, or made last (ANN-20).")
    postings: list[AnnouncementPosting] = strawberry.field(description="The postings made so far (ANN-13).")
    author: AnnouncementAuthor | None = strawberry.field(description="Who wrote it.")
    can_edit: bool = strawberry.field(description="You may change and delete it (PERM-25 Edit, PERM-48).")
    created_at: dt.datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: dt.datetime = strawberry.field(description="When it was last changed (UTC).")

    @classmethod
    def of(cls, view: AnnouncementView, today: dt.date) -> Announcement:
        from domain.announcements.calendar import is_active_on

        row = view.announcement
        announcement_id = node_id(Kind.ANNOUNCEMENT, row.id)
        email = (AnnouncementEmail(subject=row.email_subject or "", html_body=row.email_html_body or "")
                 if row.email_subject is not None or row.email_html_body is not None else None)
        return cls(
            id=announcement_id, title=row.title, html_body=row.html_body, subtitle=view.subtitle,
            start_date=row.start_date, end_date=row.end_date, active=is_active_on(row, today),
            sort_order=row.sort_order,
            profiles=[AnnouncementProfile(id=node_id(Kind.PROFILE, p.id), name=p.name, role=Role(p.role))
                      for p in view.profiles],
            schools=[School.from_row(s) for s in view.schools],
            all_schools=not view.schools and not row.class_announcement, grade_levels=list(view.grade_levels),
            sections=[Section.from_row(s) for s in view.sections],
            student_contacts=AnnouncementStudentContacts(row.student_contacts) if row.student_contacts else None,
            push=row.push, public=row.public, class_announcement=row.class_announcement, email=email,
            sms_text=row.sms_text, call_text=row.call_text,
            files=[AnnouncementFile.of(announcement_id, f) for f in view.files],
            translations=[AnnouncementTranslation(
                language=t.language, title=t.title, html_body=t.html_body, email_subject=t.email_subject,
                email_html_body=t.email_html_body, sms_text=t.sms_text, call_text=t.call_text)
                for t in view.translations],
            posting_number=row.posting_number,
            postings=[AnnouncementPosting(posting_number=p.posting_number, posted_at=p.posted_at)
                      for p in view.postings],
            author=AnnouncementAuthor(id=node_id(Kind.USER, view.author.id),
                                      name=f"{view.author.first_name} {view.author.last_name}")
            if view.author else None,
            can_edit=view.may_edit, created_at=row.created_at, updated_at=row.updated_at)
