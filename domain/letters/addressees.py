"""Who a message's letters are for (CMP-31): one letter per recipient student (for the student
recipient types: the letter is addressed to the student, whichever of their contacts the message
reaches) and one per recipient staff member, read with one statement each, whatever their number.

The selection is the one recipient resolution reads (domain.recipients.resolution: students picked
directly or through groups, staff picked directly or through groups), so a letter goes to exactly
the people the message was composed for; inactive and deleted people get none (MRG-03). Each
letter's language (CMP-31, CMP-32) comes from the same statement (domain.letters.language).
"""

from __future__ import annotations

import dataclasses
import enum

from sqlalchemy import select
from sqlmodel import Session

from domain.content.insert_fields import Subject, field_values
from domain.letters.language import PrintLanguage, canonical, staff_language, student_language
from domain.recipients.resolution import selected_staff, selected_students
from models.directory import AccountStatus, Student, User
from models.messaging import Message

ACTIVE = AccountStatus.ACTIVE.value


class AddresseeKind(str, enum.Enum):
    STUDENT = "STUDENT"
    USER = "USER"


@dataclasses.dataclass(frozen=True)
class Addressee:
    """The person one letter is addressed to, with the insert-field values it is filled with."""

    kind: AddresseeKind
    id: int
    first_name: str
    last_name: str
    language: str  # the language the letter prints in (PrintLanguage), canonical spelling
    values: dict[str, str]
    middle_name: str = ""  # the directory keeps no middle names yet; SET-02's format leaves room for one

    @property
    def page_line(self) -> str:
        """SET-02: ``Last, First Middle User_ID`` (the person's id in the directory)."""
        given = " ".join(part for part in (self.first_name, self.middle_name) if part)
        return f"{self.last_name}, {given} {self.id}"


def addressees(session: Session, message: Message, *, fields: frozenset[str] = frozenset(),
               only: tuple[AddresseeKind, int] | None = None, limit: int | None = None,
               language: PrintLanguage = PrintLanguage.RECIPIENT) -> list[Addressee]:
    """Every letter's addressee in print order (students, then staff, each by name), with the
    values of ``fields`` (the letters' insert fields, LetterContent.fields) and the language
    ``language`` picks for each; ``only``: that one person, when they are one of them; ``limit``:
    the first ones only."""
    students = (_students(session, message, only, limit, language)
                if only is None or only[0] is AddresseeKind.STUDENT else [])
    staff = []
    if limit is None or len(students) < limit:
        rest = None if limit is None else limit - len(students)
        staff = (_staff(session, message, only, rest, language)
                 if only is None or only[0] is AddresseeKind.USER else [])
    return _with_values(session, message, students + staff, fields)


def _with_values(session: Session, message: Message, people: list[Addressee],
                 fields: frozenset[str]) -> list[Addressee]:
    """CMP-25: each letter's insert-field values, one statement per source the letters use (in
    chunks of ids for a district-wide print): a student's letter is about that student, a staff
    member's goes to their account."""
    def subject(person: Addressee) -> Subject:
        student = person.id if person.kind is AddresseeKind.STUDENT else None
        user = person.id if person.kind is AddresseeKind.USER else None
        return Subject(message.id, student, user, f"{person.first_name} {person.last_name}")

    subjects = [subject(person) for person in people]
    values = field_values(session, set(subjects), fields | {"recipient.name"})
    return [dataclasses.replace(person, values=values[key]) for person, key in zip(people, subjects, strict=True)]


def _students(session: Session, message: Message, only, limit: int | None,
              language: PrintLanguage) -> list[Addressee]:
    if message.recipient_type is None:  # staff only: no student is a recipient (RCP-01)
        return []
    picked = selected_students(message.id)
    query = (select(Student.id, Student.first_name, Student.last_name,
                    student_language(session, language).label("language"))
             .join(picked, picked.c.student_id == Student.id).where(Student.status == ACTIVE)
             .order_by(Student.last_name, Student.first_name, Student.id))
    if only is not None:
        query = query.where(Student.id == only[1])
    return [Addressee(AddresseeKind.STUDENT, row.id, row.first_name, row.last_name, canonical(row.language), {})
            for row in session.execute(query.limit(limit)).all()]


def _staff(session: Session, message: Message, only, limit: int | None, language: PrintLanguage) -> list[Addressee]:
    picked = selected_staff(message.id)
    query = (select(User.id, User.first_name, User.last_name, staff_language(session, language).label("language"))
             .join(picked, picked.c.user_id == User.id).where(User.status == ACTIVE)
             .order_by(User.last_name, User.first_name, User.id))
    if only is not None:
        query = query.where(User.id == only[1])
    return [Addressee(AddresseeKind.USER, row.id, row.first_name, row.last_name, canonical(row.language), {})
            for row in session.execute(query.limit(limit)).all()]
