"""Templates and letterheads as the API shows them (TPL-01, TPL-12, TPL-13, CMP-03)."""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.support.global_ids import Kind
from domain.templates.listing import TemplateView
from graph.directory.types import Role, School
from graph.enum_values import describe_values
from graph.context import Info
from graph.node import Node
from graph.pagination import node_id
from graph.translations.manual import ManualTranslation
from models import templates as db

TabTarget = describe_values(strawberry.enum(db.TabTarget, description=(
    "Where a template is offered besides the picker (TPL-06): a Student Info tab's printable forms and letters, "
    "or one of the features that take a Communication template.")), {
    db.TabTarget.GENERAL: "Student Info: General.",
    db.TabTarget.ADDRESSES_AND_CONTACTS: "Student Info: Addresses & Contacts.",
    db.TabTarget.ENROLLMENT: "Student Info: Enrollment.",
    db.TabTarget.SCHEDULE: "Student Info: Schedule.",
    db.TabTarget.GRADES: "Student Info: Grades.",
    db.TabTarget.ATTENDANCE: "Student Info: Attendance.",
    db.TabTarget.DISCIPLINE: "Student Info: Discipline.",
    db.TabTarget.MEDICAL: "Student Info: Medical.",
    db.TabTarget.POSTSECONDARY_WAITLIST: "Offered to the Postsecondary Waitlist feature instead of a tab.",
    db.TabTarget.SCHOOL_CHOICE: "Offered to School Choice instead of a tab.",
    db.TabTarget.APPLICATION_EDITOR: "Offered to the Application Editor instead of a tab.",
    db.TabTarget.ASSET_CHECKOUT: "Offered to Asset Checkout instead of a tab.",
    db.TabTarget.ASSET_CHECKIN: "Offered to Asset Checkin instead of a tab.",
})

LetterheadUse = describe_values(strawberry.enum(db.LetterheadUse, description=(
    "What a letterhead is available for; messages and templates accept only COMMUNICATION (CMP-03).")), {
    db.LetterheadUse.COMMUNICATION: "Messages and templates.",
    db.LetterheadUse.REPORT_CARDS: "Report cards.",
    db.LetterheadUse.TRANSCRIPTS: "Transcripts.",
    db.LetterheadUse.FORMS: "Printed forms.",
})


@strawberry.type(description="A header and footer letters print under (CMP-03).")
class Letterhead(Node):
    id: strawberry.ID = strawberry.field(description="The letterhead's id.")
    name: str = strawberry.field(description="Its name, as administrators named it.")
    header_html: str = strawberry.field(description="The header printed at the top of a letter's first page (HTML).")
    footer_html: str = strawberry.field(description="The footer printed at the bottom of its pages (HTML).")
    available_for: list[LetterheadUse] = strawberry.field(description=(
        "What it may be used for; only COMMUNICATION letterheads go on messages and templates (CMP-03)."))

    @classmethod
    def of(cls, row: db.Letterhead) -> Letterhead:
        return cls(id=node_id(Kind.LETTERHEAD, row.id), name=row.name, header_html=row.header_html,
                   footer_html=row.footer_html, available_for=[LetterheadUse(use) for use in row.available_for])


@strawberry.type(description=(
    "A file a template carries; using the template copies it onto the message, once: a file whose content the draft "
    "already has is not added again (TPL-01). Uploaded and removed at /templates/{id}/attachments."))
class TemplateFile:
    id: strawberry.ID = strawberry.field(description="The file's id.")
    filename: str = strawberry.field(description="The name it was uploaded with.")
    content_type: str = strawberry.field(description='Its media type, e.g. "application/pdf".')
    size: int = strawberry.field(description="Its size in bytes.")
    download_path: str = strawberry.field(description=(
        "Where to GET it, relative to the API's origin, with the same bearer token; DELETE there removes it."))

    @classmethod
    def of(cls, template_id: str, row) -> TemplateFile:
        """A file row (id, filename, content_type, size) of the template whose global id is ``template_id``."""
        file_id = node_id(Kind.TEMPLATE_FILE, row.id)
        return cls(id=file_id, filename=row.filename, content_type=row.content_type, size=row.size,
                   download_path=f"/templates/{template_id}/attachments/{file_id}")


@strawberry.type(description="Who wrote a template (TPL-12).")
class TemplateAuthor:
    id: strawberry.ID = strawberry.field(description="The user's id (User.id).")
    name: str = strawberry.field(description="First and last name.")


@strawberry.type(description="A profile a template is shared with (TPL-03).")
class TemplateProfile:
    id: strawberry.ID = strawberry.field(description="The profile's id.")
    name: str = strawberry.field(description="The profile's name.")
    role: Role = strawberry.field(description="The role the profile is for.")


@strawberry.type(description=(
    "Content staff write once and use again (TPL-01): using it copies it into a message (useTemplate), so later "
    "edits never reach messages already made (TPL-14). Shown to its author, to holders of one of its profiles at "
    "one of its schools (TPL-03), and to holders of \"Templates Created by Others\" (PERM-30)."))
class MessageTemplate(Node):
    id: strawberry.ID = strawberry.field(description="The template's id.")
    title: str = strawberry.field(description="Its title, shown in the picker and the list (TPL-12).")
    subject: str = strawberry.field(description='The subject; blank: "New Message" when used (TPL-01).')
    html_body: str = strawberry.field(description="The email body (sanitized HTML; insert fields as written).")
    sms_text: str | None = strawberry.field(description="The SMS it attaches (SMS-01); null: none.")
    call_text: str | None = strawberry.field(description="The text-to-speech call it attaches (VOI-01); null: none.")
    letterhead: Letterhead | None = strawberry.field(description="The letterhead (CMP-03); null: none.")
    tab_target: TabTarget | None = strawberry.field(description="The tab or feature it is attached to (TPL-06).")
    academic_record_category: str | None = strawberry.field(description=(
        "The academic record category (docmgmt, PERM-37); null: none."))
    secure: bool = strawberry.field(description="Messages made from it are secure email (CMP-05).")
    priority: bool = strawberry.field(description="Messages made from it are priority (CMP-07).")
    add_log_record: bool = strawberry.field(description="Messages made from it write the letter log (CMP-10).")
    push: bool = strawberry.field(description="Messages made from it also push to the app (CMP-08).")
    profiles: list[TemplateProfile] = strawberry.field(description=(
        "The profiles it is shared with; empty: private to its author and \"Templates Created by Others\" holders "
        "(TPL-02)."))
    schools: list[School] = strawberry.field(description=(
        "The schools sharing is limited to; empty: every school (TPL-03)."))
    files: list[TemplateFile] = strawberry.field(description=(
        "The files it carries (TPL-01), in upload order; POST /templates/{id}/attachments adds one."))
    author: TemplateAuthor | None = strawberry.field(description="Who wrote it (TPL-12).")
    can_edit: bool = strawberry.field(description=(
        "You may change its content and delete it: its author, or \"Templates Created by Others\" at Edit (TPL-04, "
        "PERM-31)."))
    can_publish: bool = strawberry.field(description=(
        "You may set its profiles, schools and tab: \"Publish Templates\" (PERM-32, PERM-33)."))
    created_at: dt.datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: dt.datetime = strawberry.field(description="When it was last changed (UTC).")
    row_id: strawberry.Private[int] = 0

    @strawberry.field(description=(
        "Its manual translations, one per language, in language order (TRN-04); useTemplate copies them onto the "
        "draft (TRN-05)."))
    async def translations(self, info: Info) -> list[ManualTranslation]:
        return await info.context.loaders.translations_by_template_id.load(self.row_id)

    @classmethod
    def of(cls, view: TemplateView) -> MessageTemplate:
        row = view.template
        template_id = node_id(Kind.TEMPLATE, row.id)
        return cls(
            id=template_id, title=row.title, subject=row.subject, html_body=row.html_body,
            sms_text=row.sms_text, call_text=row.call_text,
            letterhead=Letterhead.of(view.letterhead) if view.letterhead else None,
            tab_target=TabTarget(row.tab_target) if row.tab_target else None,
            academic_record_category=row.academic_record_category, secure=row.secure, priority=row.priority,
            add_log_record=row.add_log_record, push=row.push,
            profiles=[TemplateProfile(id=node_id(Kind.PROFILE, p.id), name=p.name, role=Role(p.role))
                      for p in view.profiles],
            schools=[School.from_row(s) for s in view.schools],
            files=[TemplateFile.of(template_id, f) for f in view.files],
            author=TemplateAuthor(id=node_id(Kind.USER, view.author.id),
                                  name=f"{view.author.first_name} {view.author.last_name}") if view.author else None,
            can_edit=view.may_change, can_publish=view.may_publish, created_at=row.created_at,
            updated_at=row.updated_at, row_id=row.id)


@strawberry.type(description="A template attached to a Student Info tab or feature, and how it is offered there "
                             "(TPL-06…TPL-08).")
class TabTemplate:
    template: MessageTemplate = strawberry.field(description="The template.")
    printable: bool = strawberry.field(description="Offered as a printable form or letter on the tab (TPL-06); "
                                                   "false for feature targets, which take the template itself.")
    emailable: bool = strawberry.field(description="May be emailed from the tab: needs \"Send Messages\" (TPL-07).")
    emailable_to_linked_users: bool = strawberry.field(description=(
        "Offered for emailing to the student's linked users from the print list: never for Communication "
        "templates (TPL-08)."))
