"""A small district corner for the activation tests: one school with a student, a parent linked to
the student's contact card, a teacher and a profile per role, all of them only this test's, and
the announcements it posts. Built in the caller's session, so a test can roll it all back."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from factories import email, phone, unique
from models.announcements import Announcement, AnnouncementProfile, AnnouncementSchool
from models.devices import PushSubscription
from models.directory import Contact, District, Profile, Role, School, Student, User, UserProfile, UserSchool

START = dt.date(2031, 3, 10)  # a Monday; far from every other test's dates
ZONE = "America/New_York"
WINDOW = {"time_zone": ZONE, "call_window_start": dt.time(8, 0), "call_window_end": dt.time(20, 0)}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time of the test district's zone, in UTC."""
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(ZONE)).astimezone(dt.UTC)


@dataclasses.dataclass
class Corner:
    school: School
    student: Student
    parent: User
    card: Contact
    teacher: User
    admin_id: int
    profiles: dict[Role, int]


def corner(session, *, excluded: bool = False) -> Corner:
    district_id = session.execute(select(District.id)).scalars().first()
    school = School(district_id=district_id, name=unique("Activation School "), exclude_from_communication=excluded)
    session.add(school)
    session.flush()
    student = Student(school_id=school.id, first_name="Kid", last_name=unique("Fam"), grade_level="5",
                      primary_email=email("primary"), personal_email=email("personal"), primary_phone=phone())
    parent = User(login=unique("parent."), role=Role.PARENT.value, first_name="Pat", last_name=unique("Parent"),
                  email=email("parent-own"), phone=phone())
    teacher = User(login=unique("teacher."), role=Role.TEACHER.value, first_name="Tia", last_name=unique("Teacher"),
                   email=email("teacher-own"), phone=phone())
    profiles = {role: Profile(name=unique(f"activation {role.value} "), role=role.value)
                for role in (Role.STUDENT, Role.PARENT, Role.TEACHER)}
    session.add_all([student, parent, teacher, *profiles.values()])
    session.flush()
    card = Contact(student_id=student.id, first_name="Pat", last_name=parent.last_name, custodial=True,
                   email=email("card"), mobile_phone=phone(), user_id=parent.id)
    session.add_all([card, UserProfile(user_id=parent.id, profile_id=profiles[Role.PARENT].id),
                     UserProfile(user_id=teacher.id, profile_id=profiles[Role.TEACHER].id),
                     UserSchool(user_id=teacher.id, school_id=school.id)])
    session.flush()
    admin_id = session.execute(select(User.id).where(User.login == "admin")).scalar_one()
    return Corner(school, student, parent, card, teacher, admin_id, {role: p.id for role, p in profiles.items()})


def announce(session, place: Corner, *, start: dt.date = START, roles=(Role.STUDENT, Role.PARENT, Role.TEACHER),
             author_id: int | None = None, schools=None, **fields) -> Announcement:
    """An announcement of ``place``'s school (or ``schools``) for the profiles of ``roles``."""
    announcement = Announcement(author_id=author_id or place.admin_id, title=unique("Announcement "),
                                html_body="<p>Portal text</p>", start_date=start, **fields)
    session.add(announcement)
    session.flush()
    session.add_all(AnnouncementProfile(announcement_id=announcement.id, profile_id=place.profiles[role])
                    for role in roles)
    session.add_all(AnnouncementSchool(announcement_id=announcement.id, school_id=school_id)
                    for school_id in (schools if schools is not None else [place.school.id]))
    session.flush()
    return announcement


def uses_app(session, user_id: int) -> None:
    import base64

    key = base64.urlsafe_b64encode(b"\x04" + bytes(64)).rstrip(b"=").decode()
    session.add(PushSubscription(user_id=user_id, endpoint=f"https://push.example.org/{unique('device')}",
                                 p256dh=key, auth=base64.urlsafe_b64encode(bytes(16)).rstrip(b"=").decode()))
    session.flush()
