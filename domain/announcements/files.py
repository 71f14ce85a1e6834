"""An announcement's files (ANN-12): upload, download, remove one or all.

Files are part of the announcement, so those who may change it (domain.announcements.rules: its
author, or "Announcements" at Edit over its schools) add and remove them; those who manage it at
View download them, and so does every signed-in reader who sees it on their feed
(domain.announcements.visibility); anyone, without a token, downloads a file of an active Public
announcement (ANN-10). Anyone else, and an id that names nothing, is answered as AnnouncementNotFound
(or None).
A file passes the checks every upload passes (domain.support.file_uploads): its posting copies
them onto the email it sends, so they total at most what one message carries, at most
MAX_ANNOUNCEMENT_FILES of them and none twice.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, true
from sqlmodel import Session

from domain.access.permissions import Perm
from domain.access.viewer import Viewer
from domain.announcements.editing import announcement_changed
from domain.delivery.progress_events import ProgressBus
from domain.announcements.calendar import active_on, district_today
from domain.announcements.rules import AnnouncementNotFound, managed_announcement, require_announcement_editing
from domain.announcements.visibility import is_visible_to
from domain.support import file_uploads
from domain.support.errors import AuthorizationError, FieldProblem, InvalidInput
from models.announcements import Announcement, AnnouncementAttachment
from models.db import utcnow
from models.directory import District

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


def _manages(session: Session, viewer: Viewer, announcement_id: int) -> bool:
    try:
        managed_announcement(session, viewer, announcement_id)
    except (AnnouncementNotFound, AuthorizationError):
        return False
    return True


def _file(session: Session, announcement_id: int, file_id: int) -> AnnouncementAttachment | None:
    return session.execute(select(AnnouncementAttachment).where(
        AnnouncementAttachment.id == file_id, AnnouncementAttachment.announcement_id == announcement_id)
    ).scalars().first()


def readable(session: Session, viewer: Viewer, announcement_id: int, file_id: int) -> AnnouncementAttachment | None:
    """A file of an announcement the viewer manages or sees on their feed (ANN-12), or None
    (missing, deleted, inactive and hidden alike)."""
    reads_feed = viewer.permissions.has(Perm.COMMUNICATION)  # PERM-06: as announcementFeed requires
    if not (_manages(session, viewer, announcement_id)
            or (reads_feed and is_visible_to(session, viewer, announcement_id))):
        return None
    return _file(session, announcement_id, file_id)


def public_readable(session: Session, announcement_id: int, file_id: int) -> AnnouncementAttachment | None:
    """ANN-10: a file of an active Public (Mobile App) announcement, for anyone; None otherwise.
    (Homeroom serves one district per database: its today is the day judged on.)"""
    district = session.execute(select(District).order_by(District.id)).scalars().first()
    if district is None:
        return None
    shown = session.execute(select(Announcement.id).where(
        Announcement.id == announcement_id, Announcement.public == true(),
        active_on(district_today(district)))).scalars().first()
    return _file(session, announcement_id, file_id) if shown is not None else None


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
