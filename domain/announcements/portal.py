"""What the portal shows of announcements (ANN-09, ANN-10, ANN-15): title, subtitle, body, dates and
file names, never who they target. The signed-in feed and the public feed both read through here,
in two statements for any number of announcements (subtitles, file names)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from domain.announcements.subtitles import subtitles
from domain.support.global_ids import Kind, global_id
from models.announcements import Announcement, AnnouncementAttachment


@dataclasses.dataclass(frozen=True)
class PortalView:
    """One announcement as a reader sees it."""

    id: int
    title: str
    subtitle: str  # ANN-15
    html_body: str
    start_date: dt.date
    end_date: dt.date | None
    file_names: tuple[str, ...]

    def public_fields(self) -> dict:
        """Everything shown, as JSON-ready values (the public feed's REST answer and ETag)."""
        return {"id": global_id(Kind.ANNOUNCEMENT, self.id), "title": self.title, "subtitle": self.subtitle, "htmlBody": self.html_body,
                "startDate": self.start_date.isoformat(),
                "endDate": self.end_date.isoformat() if self.end_date else None, "fileNames": list(self.file_names)}


def portal_views(session: Session, announcements: Sequence[Announcement]) -> list[PortalView]:
    """The views of ``announcements``, in the same order."""
    ids = [a.id for a in announcements]
    titles = subtitles(session, ids)
    files: dict[int, list[str]] = {}
    if ids:
        for announcement_id, filename in session.execute(
                select(AnnouncementAttachment.announcement_id, AnnouncementAttachment.filename)
                .where(AnnouncementAttachment.announcement_id.in_(ids))
                .order_by(AnnouncementAttachment.announcement_id, AnnouncementAttachment.id)):
            files.setdefault(announcement_id, []).append(filename)
    return [PortalView(id=a.id, title=a.title, subtitle=titles[a.id], html_body=a.html_body, start_date=a.start_date,
                       end_date=a.end_date, file_names=tuple(files.get(a.id, ()))) for a in announcements]
