"""Announcement rows for the reading side's tests (feed, public feed, subscription), written directly
so these tests do not depend on the management mutations; ``announcements`` removes what a test made."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, insert, select

from models.announcements import (
    Announcement,
    AnnouncementAttachment,
    AnnouncementGradeLevel,
    AnnouncementProfile,
    AnnouncementSchool,
    AnnouncementSection,
)
from models.db import session_scope
from models.directory import Profile, User
from models.translations import AnnouncementTranslation

TODAY = dt.datetime.now(dt.UTC).date()  # the tests' district is in New York: give dates a day's margin


def add_announcement(engine, *, title: str = "Notice", profiles=("Parent",), schools=(), grades=(), sections=(),
                     files=(), translations=(), **fields) -> int:
    """One announcement; ``profiles`` by name; ``translations``: AnnouncementTranslation fields by
    language. Active from two days ago with no end unless told."""
    values = dict(title=title, html_body=f"<p>{title}</p>", start_date=TODAY - dt.timedelta(days=2))
    values.update(fields)
    with session_scope(engine) as session:
        author = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
        announcement = Announcement(author_id=author, class_announcement=bool(sections), **values)
        session.add(announcement)
        session.flush()
        a = announcement.id
        if profiles:
            ids = session.execute(select(Profile.id).where(Profile.name.in_(profiles))).scalars().all()
            session.execute(insert(AnnouncementProfile), [{"announcement_id": a, "profile_id": p} for p in ids])
        for table, column, values_ in ((AnnouncementSchool, "school_id", schools),
                                       (AnnouncementGradeLevel, "grade_level", grades),
                                       (AnnouncementSection, "section_id", sections)):
            if values_:
                session.execute(insert(table), [{"announcement_id": a, column: v} for v in values_])
        for name in files:
            session.add(AnnouncementAttachment(announcement_id=a, filename=name, content_type="text/plain", size=1,
                                               sha256="0" * 64, data=b"x"))
        for text in translations:
            session.add(AnnouncementTranslation(announcement_id=a, **text))
        return a


def remove_announcements(engine, ids) -> None:
    with session_scope(engine) as session:
        for table in (AnnouncementProfile, AnnouncementSchool, AnnouncementGradeLevel, AnnouncementSection,
                      AnnouncementAttachment, AnnouncementTranslation):
            session.execute(delete(table).where(table.announcement_id.in_(ids)))
        session.execute(delete(Announcement).where(Announcement.id.in_(ids)))


@pytest.fixture
def announcements(engine):
    """``announcements(**fields)`` adds one (as add_announcement); all are removed after the test."""
    made: list[int] = []

    def add(**fields) -> int:
        made.append(add_announcement(engine, **fields))
        return made[-1]

    yield add
    remove_announcements(engine, made)
