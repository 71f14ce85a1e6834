"""An announcement's files (ANN-12): upload, download, remove one or all.

Files are part of the announcement, so those who may change it (domain.announcements.rules: its
author, or "Announcements" at Edit over its schools) add and remove them; those who manage it at
View download them. Anyone else, and an id that names nothing, is answered as AnnouncementNotFound.
A file passes the checks every upload passes (domain.support.file_uploads): its posting copies
them onto the email it sends, so they total at most what one message carries, at most
MAX_ANNOUNCEMENT_FILES of them and none twice.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlmodel import Session

from domain.access.viewer import Viewer
from domain.announcements.editing import announcement_changed
from domain.delivery.progress_events import ProgressBus
from domain.announcements.rules import managed_announcement, require_announcement_editing
from domain.support import file_uploads
from domain.support.errors import FieldProblem, InvalidInput
from models.announcements import Announcement, AnnouncementAttachment
from models.db import utcnow

#: How many files one announcement may carry.
MAX_ANNOUNCEMENT_FILES = 10


def _editable(session: Session, viewer: Viewer, announcement_id: int) -> Announcement:
    require_announcement_editing(viewer)
    return managed_announcement(session, viewer, announcement_id, lock=True)


def attach(session: Session, viewer: Viewer, announcement_id: int, filename: str, content_type: str | None,
           data: bytes, *, events: ProgressBus | None = None) -> AnnouncementAttachment:
    """ANN-12: one uploaded file added; every problem at once, nothing written on any."""
    announcement = _editable(session, viewer, announcement_id)
    stored_count, stored_bytes = session.execute(
        select(func.count(), func.coalesce(func.sum(AnnouncementAttachment.size), 0))
        .where(AnnouncementAttachment.announcement_id == announcement.id)).one()
    problems = file_uploads.upload_problems(filename, content_type, data, stored_bytes=stored_bytes,
                                            item="announcement")
    if stored_count >= MAX_ANNOUNCEMENT_FILES:
        problems.append(FieldProblem(("file",), "TOO_MANY", f"An announcement may carry at most "
                                     f"{MAX_ANNOUNCEMENT_FILES} files; remove one first."))
    uploaded = file_uploads.uploaded_file(filename, content_type, data)
    same = session.execute(select(AnnouncementAttachment.filename).where(
        AnnouncementAttachment.announcement_id == announcement.id,
        AnnouncementAttachment.sha256 == uploaded.sha256)).scalars().first()
    if same is not None and data:
        problems.append(FieldProblem(("file",), "DUPLICATE", f"The announcement already has this file, as {same}."))
    if problems:
        raise InvalidInput(problems)
    stored = AnnouncementAttachment(announcement_id=announcement.id, **uploaded.columns())
    announcement.updated_at = utcnow()
    session.add_all([stored, announcement])
    session.flush()
    announcement_changed(session, announcement.id, events)
    return stored


def readable(session: Session, viewer: Viewer, announcement_id: int, file_id: int) -> AnnouncementAttachment | None:
    """A file of an announcement the viewer manages, or None (missing and hidden alike)."""
    announcement = managed_announcement(session, viewer, announcement_id)
    return session.execute(select(AnnouncementAttachment).where(
        AnnouncementAttachment.id == file_id, AnnouncementAttachment.announcement_id == announcement.id)
    ).scalars().first()


def remove(session: Session, viewer: Viewer, announcement_id: int, file_id: int | None = None, *,
           events: ProgressBus | None = None) -> int:
    """ANN-12: removing a file deletes it (``file_id`` None: every file); how many went."""
    announcement = _editable(session, viewer, announcement_id)
    statement = delete(AnnouncementAttachment).where(AnnouncementAttachment.announcement_id == announcement.id)
    if file_id is not None:
        statement = statement.where(AnnouncementAttachment.id == file_id)
    removed = session.execute(statement).rowcount
    if removed:
        announcement.updated_at = utcnow()
        session.add(announcement)
        announcement_changed(session, announcement.id, events)
    return removed
