"""Small, explicit directory rows for tests that need exact shapes (on top of the seeded district)."""

from __future__ import annotations

import itertools
import uuid

from sqlalchemy import insert, select

from models.db import session_scope
from models.directory import (
    Contact,
    Enrollment,
    Profile,
    School,
    Section,
    SectionTeacher,
    Student,
    StudentLink,
    User,
    UserProfile,
    UserSchool,
)

_numbers = itertools.count(1000)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def first_school_id(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(School.id).order_by(School.id)).scalars().first()


def add_school(engine, *, excluded: bool = False) -> int:
    with session_scope(engine) as session:
        district_id = session.execute(select(School.district_id)).scalars().first()
        school = School(district_id=district_id, name=unique("School "), exclude_from_communication=excluded)
        session.add(school)
        session.flush()
        return school.id


def add_student(engine, school_id: int, **fields) -> int:
    values = dict(first_name="Kid", last_name=unique("Fam"), grade_level="5", primary_email=None,
                  personal_email=None, primary_phone=None, language="en")
    values.update(fields)
    with session_scope(engine) as session:
        student = Student(school_id=school_id, **values)
        session.add(student)
        session.flush()
        return student.id


def link_siblings(engine, *student_ids: int) -> None:
    with session_scope(engine) as session:
        session.execute(insert(StudentLink), [
            {"student_id": a, "linked_student_id": b} for a in student_ids for b in student_ids if a != b])


def add_contact(engine, student_id: int, **fields) -> int:
    values = dict(first_name="Pat", last_name=unique("Contact"), custodial=True, sort_order=1, email=None,
                  mobile_phone=None, home_phone=None, language="en")
    values.update(fields)
    with session_scope(engine) as session:
        contact = Contact(student_id=student_id, **values)
        session.add(contact)
        session.flush()
        return contact.id


def add_user(engine, role: str, *, school_ids=(), profile: str | None = None, **fields) -> int:
    values = dict(login=unique(role.lower() + "."), first_name="Ada", last_name=unique("User"), email=None,
                  phone=None)
    values.update(fields)
    with session_scope(engine) as session:
        user = User(role=role, **values)
        session.add(user)
        session.flush()
        if school_ids:
            session.execute(insert(UserSchool), [{"user_id": user.id, "school_id": s} for s in school_ids])
        if profile:
            profile_id = session.execute(select(Profile.id).where(Profile.name == profile)).scalar_one()
            session.execute(insert(UserProfile), [{"user_id": user.id, "profile_id": profile_id}])
        return user.id


def add_section(engine, school_id: int, teacher_ids=(), student_ids=(), school_year_id=None) -> int:
    with session_scope(engine) as session:
        if school_year_id is None:
            from models.directory import SchoolYear

            school_year_id = session.execute(select(SchoolYear.id).where(SchoolYear.is_current)).scalars().first()
        section = Section(school_id=school_id, name=unique("Section "), school_year_id=school_year_id)
        session.add(section)
        session.flush()
        if teacher_ids:
            session.execute(insert(SectionTeacher), [{"section_id": section.id, "user_id": t} for t in teacher_ids])
        if student_ids:
            session.execute(insert(Enrollment), [{"section_id": section.id, "student_id": s} for s in student_ids])
        return section.id


def email(prefix: str = "x") -> str:
    return f"{unique(prefix)}@families.example.org"


def phone() -> str:
    return f"+44207946{next(_numbers) % 10000:04d}"  # a range set aside for drama, never the seed's


def add_app_device(engine, user_id: int) -> str:
    """The user uses the app: one registered push subscription (CMP-08). Keys are well-formed but
    belong to no browser; tests that decrypt a push register a real one (tests/channels/test_webpush.py)."""
    import base64

    from models.devices import PushSubscription

    endpoint = f"https://push.example.org/{unique('device')}"
    key = base64.urlsafe_b64encode(b"\x04" + bytes(64)).rstrip(b"=").decode()
    auth = base64.urlsafe_b64encode(bytes(16)).rstrip(b"=").decode()
    with session_scope(engine) as session:
        session.add(PushSubscription(user_id=user_id, endpoint=endpoint, p256dh=key, auth=auth))
    return endpoint


def seeded_students(session, *, limit: int | None = None, newest_first: bool = False) -> list[int]:
    """Active students the seeded administrator can reach. Other tests add schools ``admin`` does
    not belong to, so "the first N students of the database" may be out of its reach."""
    admin_schools = select(UserSchool.school_id).join(User, User.id == UserSchool.user_id).where(User.login == "admin")
    query = (select(Student.id).where(Student.status == "ACTIVE", Student.school_id.in_(admin_schools))
             .order_by(Student.id.desc() if newest_first else Student.id))
    return list(session.execute(query.limit(limit) if limit else query).scalars())
