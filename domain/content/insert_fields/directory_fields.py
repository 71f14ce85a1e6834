"""The directory's insert fields: the recipient's name as addressed, the student a delivery or
letter is about (SMS-05, VOI-08), and the user account it goes to.

The user is the recipient's own account: a staff member or parent messaged directly, or a
student's contact who has an account (``Contact.user_id``). A delivery to a contact without an
account, to a student's own address card, or to an imported recipient has no user: its user
fields are empty (its recipient and student fields are not).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlmodel import Session

from domain.content.insert_fields.registry import (
    InsertField, InsertFieldCategory as Category, InsertFieldSource, Subject, id_chunks,
)
from models.directory import School, Student, User


def _recipient_values(_session: Session, subjects: Collection[Subject]) -> dict[Subject, dict[str, str]]:
    return {subject: {"recipient.name": subject.recipient_name} for subject in subjects}


RECIPIENT = InsertFieldSource(Category.RECIPIENT, (
    InsertField("recipient.name", "The recipient's full name, as the delivery or letter is addressed.", "Rosa Ruiz"),
), _recipient_values, reads_user_id=False)


def _student_values(session: Session, subjects: Collection[Subject]) -> dict[Subject, dict[str, str]]:
    by_id: dict[int, dict[str, str]] = {}
    for chunk in id_chunks(subject.student_id for subject in subjects):
        for row in session.execute(
                select(Student.id, Student.first_name, Student.last_name, Student.grade_level,
                       Student.primary_email, Student.primary_phone, School.name.label("school"))
                .join(School, School.id == Student.school_id).where(Student.id.in_(chunk))):
            by_id[row.id] = {"student.first_name": row.first_name, "student.last_name": row.last_name,
                             "student.full_name": f"{row.first_name} {row.last_name}",
                             "student.grade_level": row.grade_level, "student.school": row.school,
                             "student.email": row.primary_email or "", "student.phone": row.primary_phone or ""}
    return {subject: by_id[subject.student_id] for subject in subjects if subject.student_id in by_id}


STUDENT = InsertFieldSource(Category.STUDENT, (
    InsertField("student.first_name", "The first name of the student the message is about.", "Ana"),
    InsertField("student.last_name", "The last name of the student the message is about.", "Ruiz"),
    InsertField("student.full_name", "First and last name of the student the message is about.", "Ana Ruiz"),
    InsertField("student.grade_level", "The student's grade level.", "4"),
    InsertField("student.school", "The name of the student's school.", "Lincoln Elementary"),
    InsertField("student.email", "The student's own (primary) email address.", "ana.ruiz@students.example.org"),
    InsertField("student.phone", "The student's own (primary) phone number.", "+13125550123"),
), _student_values, reads_user_id=False)


def _user_values(session: Session, subjects: Collection[Subject]) -> dict[Subject, dict[str, str]]:
    by_id: dict[int, dict[str, str]] = {}
    for chunk in id_chunks(subject.user_id for subject in subjects):
        for row in session.execute(select(User.id, User.first_name, User.last_name, User.email, User.phone)
                                   .where(User.id.in_(chunk))):
            by_id[row.id] = {"user.first_name": row.first_name, "user.last_name": row.last_name,
                             "user.full_name": f"{row.first_name} {row.last_name}",
                             "user.email": row.email or "", "user.phone": row.phone or ""}
    return {subject: by_id[subject.user_id] for subject in subjects if subject.user_id in by_id}


USER = InsertFieldSource(Category.USER, (
    InsertField("user.first_name", "The first name on the recipient's user account (staff, or a contact with an "
                                   "account); empty when the recipient has none.", "Dana"),
    InsertField("user.last_name", "The last name on the recipient's user account.", "Lee"),
    InsertField("user.full_name", "First and last name on the recipient's user account.", "Dana Lee"),
    InsertField("user.email", "The email address on the recipient's user account.", "dana.lee@example.org"),
    InsertField("user.phone", "The phone number on the recipient's user account.", "+13125550188"),
), _user_values)
