"""What the announcement management tests share: the GraphQL documents, staff made with the
permissions a test needs, and the clean-up that leaves the shared database as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from domain.access.permissions import Perm
from factories import unique
from helpers import gql, make_user
from models.announcements import (
    Announcement, AnnouncementAttachment, AnnouncementGradeLevel, AnnouncementPosting, AnnouncementProfile,
    AnnouncementSchool, AnnouncementSection,
)
from models.db import session_scope
from models.directory import PermissionLevel, Profile, ProfileGrant, Role, User, UserProfile
from models.translations import AnnouncementTranslation

FIELDS = """id title htmlBody subtitle startDate endDate active sortOrder allSchools gradeLevels studentContacts
  push public classAnnouncement smsText callText postingNumber canEdit
  email { subject htmlBody } profiles { id name } schools { id name } sections { id name }
  files { id filename size downloadPath } translations { language title htmlBody emailSubject smsText callText }
  postings { postingNumber } author { name }"""

PAYLOAD = f"""__typename ... on AnnouncementSaved {{ announcement {{ {FIELDS} }} }}
  ... on AnnouncementConfirmationRequired {{ schoolCount detail }}"""

CREATE = f"""mutation($input: AnnouncementInput!, $confirm: Boolean! = false) {{
  createAnnouncement(input: $input, confirm: $confirm) {{ {PAYLOAD}
    ... on CreateAnnouncementErrors {{ errors {{ field code message }} }} }} }}"""

UPDATE = f"""mutation($id: ID!, $input: AnnouncementInput!, $repost: Boolean! = false, $confirm: Boolean! = false) {{
  updateAnnouncement(id: $id, input: $input, repost: $repost, confirm: $confirm) {{ {PAYLOAD}
    ... on UpdateAnnouncementErrors {{ errors {{ field code message }} }} }} }}"""

DELETE = """mutation($id: ID!) { deleteAnnouncement(id: $id) { __typename ... on AnnouncementDeleted { id }
  ... on DeleteAnnouncementErrors { errors { field code message } } } }"""

ONE = f"""query($id: ID!) {{ announcement(id: $id) {{ {FIELDS} }} }}"""

LIST = """query($filter: AnnouncementFilter, $first: Int, $after: String) {
  announcements(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id title sortOrder startDate allSchools } } } }"""

#: What an administrator of announcements holds (PERM-25 at Edit, and the attachment permissions).
ADMIN_PERMS = [Perm.COMMUNICATION, Perm.ANNOUNCEMENTS, Perm.ANNOUNCEMENTS_SEND_EMAILS, Perm.ANNOUNCEMENTS_SEND_SMS,
               Perm.ANNOUNCEMENTS_SEND_CALLS, Perm.ANNOUNCEMENTS_MOBILE_APP_PUBLIC, Perm.PUSH_NOTIFICATIONS]
TEACHER_PERMS = [Perm.COMMUNICATION, Perm.CLASS_ANNOUNCEMENTS, Perm.ANNOUNCEMENTS_SEND_EMAILS,
                 Perm.PUSH_NOTIFICATIONS]


def staff(engine, role: Role = Role.ADMIN, *, perms=None, without=(), school_ids=None, view_only=()) -> tuple[str, int]:
    """(token, user id) of a fresh staff user with one profile of their own; ``view_only``:
    permissions granted at View rather than Edit."""
    login = unique(f"{role.value.lower()}.ann.")
    default = ADMIN_PERMS if role is Role.ADMIN else TEACHER_PERMS
    token = make_user(engine, role, perms=default if perms is None else perms, without=list(without),
                      school_ids=school_ids, login=login)
    with session_scope(engine) as session:
        user_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
        if view_only:
            profile = session.execute(select(UserProfile.profile_id).where(UserProfile.user_id == user_id)).scalar_one()
            session.execute(update(ProfileGrant).where(ProfileGrant.profile_id == profile, ProfileGrant.permission.in_(
                [perm.value for perm in view_only])).values(level=PermissionLevel.VIEW.value))
    return token, user_id


def parent_profile_id(engine) -> int:
    """A seeded profile for parents: the usual audience of an announcement."""
    with session_scope(engine) as session:
        return session.execute(select(Profile.id).where(Profile.role == Role.PARENT.value)
                               .order_by(Profile.id)).scalars().first()


def staff_profile_id(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(Profile.id).where(Profile.role == Role.TEACHER.value)
                               .order_by(Profile.id)).scalars().first()


def create(client, token, confirm: bool = True, **fields) -> dict:
    """createAnnouncement, confirmed as a form does once it has shown the school count (ANN-07):
    other tests add schools to the shared district, so an admin may reach more than five. The ANN-07
    test passes ``confirm=False``."""
    return gql(client, CREATE, {"input": fields, "confirm": confirm}, token)["data"]["createAnnouncement"]


def edit(client, token, announcement_id, repost: bool = False, confirm: bool = True, **fields) -> dict:
    return gql(client, UPDATE, {"id": announcement_id, "input": fields, "repost": repost, "confirm": confirm},
               token)["data"]["updateAnnouncement"]


def announcement_count(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(Announcement)).scalar_one()


def remove_announcements_after(engine, last_id: int) -> None:
    """Delete every announcement (and its rows) made after ``last_id``."""
    with session_scope(engine) as session:
        ids = list(session.execute(select(Announcement.id).where(Announcement.id > last_id)).scalars())
        if not ids:
            return
        for table in (AnnouncementProfile, AnnouncementSchool, AnnouncementGradeLevel, AnnouncementSection,
                      AnnouncementAttachment, AnnouncementTranslation, AnnouncementPosting):
            session.execute(delete(table).where(table.announcement_id.in_(ids)))
        session.execute(delete(Announcement).where(Announcement.id.in_(ids)))


def last_announcement_id(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.coalesce(func.max(Announcement.id), 0))).scalar_one()


@pytest.fixture
def clean_announcements(engine):
    """Leaves no announcement behind for other tests' feeds (tests share one seeded database)."""
    last = last_announcement_id(engine)
    yield
    remove_announcements_after(engine, last)
