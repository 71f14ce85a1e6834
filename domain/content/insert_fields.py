"""Insert fields (CMP-25): placeholders such as ``{{student.first_name}}`` that a message stores as
written and that are filled in for each recipient when the delivery is sent.

The catalogue below is the whole list; a message naming anything else is refused when it is
composed. Values come from the directory at dispatch time, loaded once per chunk, and are
HTML-escaped in HTML bodies. A field with no value for a recipient (a student field in an email to
a colleague) becomes empty.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable

from sqlalchemy import select

from models.directory import School, Student

FIELD = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")


@dataclasses.dataclass(frozen=True)
class InsertField:
    name: str
    description: str


CATALOGUE: tuple[InsertField, ...] = (
    InsertField("recipient.name", "The recipient's full name."),
    InsertField("student.first_name", "The first name of the student the message is about."),
    InsertField("student.last_name", "The last name of the student the message is about."),
    InsertField("student.full_name", "First and last name of the student the message is about."),
    InsertField("student.grade_level", "The student's grade level."),
    InsertField("student.school", "The name of the student's school."),
)
KNOWN = frozenset(field.name for field in CATALOGUE)


def fields_in(*texts: str | None) -> frozenset[str]:
    return frozenset(name for text in texts if text for name in FIELD.findall(text))


def unknown_fields(*texts: str | None) -> list[str]:
    return sorted(fields_in(*texts) - KNOWN)


def student_values(session, student_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """The student fields of every student a chunk's deliveries are about, in one query."""
    wanted = {student_id for student_id in student_ids if student_id is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(Student.id, Student.first_name, Student.last_name, Student.grade_level, School.name)
        .join(School, School.id == Student.school_id).where(Student.id.in_(wanted))).all()
    return {row.id: {"student.first_name": row.first_name, "student.last_name": row.last_name,
                     "student.full_name": f"{row.first_name} {row.last_name}",
                     "student.grade_level": row.grade_level, "student.school": row.name} for row in rows}


def render(text: str, values: dict[str, str], *, as_html: bool) -> str:
    def value(match: re.Match) -> str:
        found = values.get(match.group(1), "")
        return html.escape(found) if as_html else found

    return FIELD.sub(value, text)
