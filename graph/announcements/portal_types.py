"""The portal's view of an announcement (ANN-09, ANN-12, ANN-15, TRN-03): what a reader sees, in their
language when translated, with its files; no targeting data."""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.announcements.portal import PortalFile, PortalText, PortalView
from domain.support.global_ids import Kind
from graph.pagination import node_id


@strawberry.type(description="A file attached to an announcement, as a reader sees it (ANN-12).")
class PortalAnnouncementFile:
    id: strawberry.ID = strawberry.field(description="The file (AnnouncementFile.id).")
    name: str = strawberry.field(description="The name it was uploaded with.")
    size: int = strawberry.field(description="Its size in bytes.")
    download_path: str = strawberry.field(description=(
        "Where to GET it, relative to the API's origin, with the same bearer token (any reader who sees the "
        "announcement may)."))

    @classmethod
    def of(cls, announcement_id: int, file: PortalFile) -> PortalAnnouncementFile:
        return cls(id=node_id(Kind.ANNOUNCEMENT_FILE, file.id), name=file.name, size=file.size,
                   download_path=file.download_path(announcement_id, public=False))


@strawberry.type(description="An announcement's title and body in one language.")
class PortalAnnouncementText:
    title: str = strawberry.field(description="The title.")
    html_body: str = strawberry.field(description="The body, as HTML.")

    @classmethod
    def of(cls, text: PortalText) -> PortalAnnouncementText:
        return cls(title=text.title, html_body=text.html_body)


@strawberry.type(description="An announcement's manual translation into the reader's language (TRN-03, TRN-04); a "
                             "part left untranslated reads as the original.")
class TranslatedPortalAnnouncementText:
    language: str = strawberry.field(description="The language, a BCP 47 code (supportedLanguages).")
    title: str = strawberry.field(description="The title in that language.")
    html_body: str = strawberry.field(description="The body in that language, as HTML.")


@strawberry.type(description=(
    "An announcement as a reader sees it on the portal or in the mobile app: what it says and when it is shown, "
    "never whom it targets (profiles, schools, grade levels, sections, Student Contacts)."))
class PortalAnnouncement:
    id: strawberry.ID = strawberry.field(description="The announcement (Announcement.id).")
    title: str = strawberry.field(description=(
        "The title (ANN-01): its translation into your account's language when there is one (TRN-03)."))
    subtitle: str = strawberry.field(description=(
        "\"District Announcement\" when no school is selected, the school's name when one is, empty when several "
        "are (ANN-15)."))
    html_body: str = strawberry.field(description=(
        "The body, as HTML: its translation into your account's language when there is one (TRN-03)."))
    language: str | None = strawberry.field(description=(
        "The language of title and body when they are a translation (your account's language, a BCP 47 code); "
        "null: they are the original as written."))
    original: PortalAnnouncementText = strawberry.field(description=(
        "The title and body as written, to switch to from the translation (TRN-03)."))
    translated: TranslatedPortalAnnouncementText | None = strawberry.field(description=(
        "The manual translation into your account's language (TRN-04); null when there is none."))
    start_date: dt.date = strawberry.field(description="Shown from this date (ANN-02), in the district's time zone.")
    end_date: dt.date | None = strawberry.field(description="Shown through this date; null: no expiry (ANN-02).")
    file_names: list[str] = strawberry.field(description="The names of the attached files, in the order attached.")
    files: list[PortalAnnouncementFile] = strawberry.field(description=(
        "The attached files, in the order attached, each with where to download it (ANN-12)."))

    @classmethod
    def of(cls, view: PortalView) -> PortalAnnouncement:
        return cls(id=node_id(Kind.ANNOUNCEMENT, view.id), title=view.title, subtitle=view.subtitle,
                   html_body=view.html_body, language=view.language, original=PortalAnnouncementText.of(view.original),
                   translated=None if view.translated is None else TranslatedPortalAnnouncementText(
                       language=view.language or "", title=view.translated.title,
                       html_body=view.translated.html_body),
                   start_date=view.start_date, end_date=view.end_date, file_names=list(view.file_names),
                   files=[PortalAnnouncementFile.of(view.id, file) for file in view.files])
