"""What the portal shows of announcements (ANN-09, ANN-10, ANN-12, ANN-15, TRN-03, TRN-04): title,
subtitle, body, dates and files, never who they target. The signed-in feed, the subscription and the
public feed all read through here, in three statements for any number of announcements (subtitles,
files, translations in the reader's language).

A reader with a language (a signed-in viewer's account language, or the public feed's ``lang``) whose
manual translation exists reads its title and body; a part left untranslated reads the original."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlmodel import Session

from domain.announcements.subtitles import subtitles
from domain.support.global_ids import Kind, global_id
from domain.translations.languages import supported_language
from models.announcements import Announcement, AnnouncementAttachment
from models.translations import AnnouncementTranslation


@dataclasses.dataclass(frozen=True)
class PortalFile:
    """One attached file as a reader sees it (ANN-12)."""

    id: int
    name: str
    size: int

    def download_path(self, announcement_id: int, *, public: bool) -> str:
        """Where to GET it: with the reader's bearer token, or (a Public announcement, ANN-10) without one."""
        announcement, file = global_id(Kind.ANNOUNCEMENT, announcement_id), global_id(Kind.ANNOUNCEMENT_FILE, self.id)
        if public:
            return f"/public/announcements/{announcement}/files/{file}"
        return f"/announcements/{announcement}/attachments/{file}"


@dataclasses.dataclass(frozen=True)
class PortalText:
    """A title and body in one language."""

    title: str
    html_body: str


@dataclasses.dataclass(frozen=True)
class PortalView:
    """One announcement as a reader sees it: ``title`` and ``html_body`` in the reader's language
    when translated (TRN-03), ``original`` as written, ``translated`` None when there is none."""

    id: int
    title: str
    subtitle: str  # ANN-15
    html_body: str
    start_date: dt.date
    end_date: dt.date | None
    files: tuple[PortalFile, ...]
    original: PortalText
    language: str | None = None
    translated: PortalText | None = None

    @property
    def file_names(self) -> tuple[str, ...]:
        return tuple(file.name for file in self.files)

    def public_fields(self) -> dict:
        """Everything shown, as JSON-ready values (the public feed's REST answer and ETag)."""
        return {"id": global_id(Kind.ANNOUNCEMENT, self.id), "title": self.title, "subtitle": self.subtitle,
                "htmlBody": self.html_body, "startDate": self.start_date.isoformat(),
                "endDate": self.end_date.isoformat() if self.end_date else None, "fileNames": list(self.file_names),
                "files": [{"id": global_id(Kind.ANNOUNCEMENT_FILE, file.id), "name": file.name, "size": file.size,
                           "downloadPath": file.download_path(self.id, public=True)} for file in self.files],
                "language": self.language,
                "original": {"title": self.original.title, "htmlBody": self.original.html_body},
                "translated": None if self.translated is None else {
                    "language": self.language, "title": self.translated.title,
                    "htmlBody": self.translated.html_body}}


def reader_language(code: str | None) -> str | None:
    """A reader's language in its canonical spelling, None when unsupported or not given."""
    return supported_language(code) if code else None


def portal_views(session: Session, announcements: Sequence[Announcement],
                 language: str | None = None) -> list[PortalView]:
    """The views of ``announcements``, in the same order, read in ``language`` (canonical, or None:
    the original)."""
    ids = [a.id for a in announcements]
    titles = subtitles(session, ids)
    files: dict[int, list[PortalFile]] = {}
    translations: dict[int, AnnouncementTranslation] = {}
    if ids:
        for announcement_id, file_id, filename, size in session.execute(
                select(AnnouncementAttachment.announcement_id, AnnouncementAttachment.id,
                       AnnouncementAttachment.filename, AnnouncementAttachment.size)
                .where(AnnouncementAttachment.announcement_id.in_(ids))
                .order_by(AnnouncementAttachment.announcement_id, AnnouncementAttachment.id)):
            files.setdefault(announcement_id, []).append(PortalFile(id=file_id, name=filename, size=size))
        if language is not None:
            translations = {row.announcement_id: row for row in session.execute(
                select(AnnouncementTranslation).where(AnnouncementTranslation.announcement_id.in_(ids),
                                                      AnnouncementTranslation.language == language,
                                                      or_(AnnouncementTranslation.title.is_not(None),
                                                          AnnouncementTranslation.html_body.is_not(None)))).scalars()}
    views = []
    for a in announcements:
        original = PortalText(title=a.title, html_body=a.html_body)
        row = translations.get(a.id)
        translated = None if row is None else PortalText(title=row.title or a.title,
                                                         html_body=row.html_body or a.html_body)
        shown = translated or original
        views.append(PortalView(id=a.id, title=shown.title, subtitle=titles[a.id], html_body=shown.html_body,
                                start_date=a.start_date, end_date=a.end_date, files=tuple(files.get(a.id, ())),
                                original=original, language=language if translated is not None else None,
                                translated=translated))
    return views
