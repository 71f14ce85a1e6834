"""Caller ID phone numbers (CID-*) and which one a sender's calls show (VOI-02, VOI-03).

- A public number with no schools is offered to everyone; with schools, to users at them (CID-02).
- A user may use a public number covering one of their schools, the school default of one of
  their schools, or the district default (CID-03).
- A user's default is the school default of one of their schools, else the district default
  (CID-05, VOI-03); with several district defaults the newest is the effective one (CID-06).
- Calls are unavailable until a district default exists (VOI-02).
- At most one number carries the Student Attendance flag (CID-04).
- A District Default number is a district-wide setting: setting the flag, or changing or deleting
  a number that carries it, needs "Communication District Settings" too.
"""

from __future__ import annotations

import csv
import dataclasses
import io

from sqlalchemy import delete, insert, or_, select, update
from sqlmodel import Session

from domain.directory.contact_details import BadContactDetail, normalised_phone
from domain.support.errors import AuthorizationError, FieldProblem, InvalidInput
from domain.access.permissions import CATALOGUE, Perm
from domain.access.scope import is_district_administrator
from domain.content.text import INVALID_CHARACTERS, has_control_characters
from domain.access.viewer import Viewer
from models.caller_ids import CallerId, CallerIdSchool
from models.directory import School
from models.messaging import Message

FLAGS = ("public", "student_attendance", "school_default", "district_default")


@dataclasses.dataclass(frozen=True)
class CallerIdInput:
    title: str
    phone: str
    public: bool = False
    school_ids: tuple[int, ...] = ()
    student_attendance: bool = False
    school_default: bool = False
    district_default: bool = False


@dataclasses.dataclass(frozen=True)
class Available:
    numbers: list[CallerId]
    default: CallerId | None  # VOI-03: what a message uses when the sender picks none
    district_default: CallerId | None  # None: calls are unavailable (VOI-02)


def schools_of(session: Session, caller_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {caller_id: [] for caller_id in caller_ids}
    if caller_ids:
        for caller_id, school_id in session.execute(select(CallerIdSchool.caller_id, CallerIdSchool.school_id).where(
                CallerIdSchool.caller_id.in_(caller_ids)).order_by(CallerIdSchool.school_id)):
            found[caller_id].append(school_id)
    return found


def district_default(session: Session) -> CallerId | None:
    """CID-06: the most recently added number flagged District Default."""
    return session.execute(select(CallerId).where(CallerId.district_default)
                           .order_by(CallerId.created_at.desc(), CallerId.id.desc()).limit(1)).scalars().first()


def available_to(session: Session, viewer: Viewer) -> Available:
    """CID-03 / CID-05 / VOI-03: the numbers the viewer may put on a call, and their default."""
    effective_district = district_default(session)
    mine = list(viewer.school_ids)
    has_schools = select(CallerIdSchool.caller_id).where(CallerIdSchool.caller_id == CallerId.id)
    at_my_school = select(CallerIdSchool.caller_id).where(CallerIdSchool.caller_id == CallerId.id,
                                                         CallerIdSchool.school_id.in_(mine or [-1]))
    candidates = session.execute(select(CallerId).where(or_(
        CallerId.public & (~has_schools.exists() | at_my_school.exists()),
        CallerId.school_default & at_my_school.exists(),
        CallerId.id == (effective_district.id if effective_district else -1),
    )).order_by(CallerId.title, CallerId.id)).scalars().all()
    at_my_schools = _numbers_at(session, mine)
    school_defaults = [number for number in candidates if number.school_default and number.id in at_my_schools]
    default = (max(school_defaults, key=lambda n: (n.created_at, n.id)) if school_defaults
               else effective_district)
    if len(candidates) == 1:
        default = candidates[0]
    return Available(list(candidates), default, effective_district)


def _numbers_at(session: Session, school_ids: list[int]) -> set[int]:
    if not school_ids:
        return set()
    return set(session.execute(select(CallerIdSchool.caller_id).where(
        CallerIdSchool.school_id.in_(school_ids))).scalars())


def caller_id_for_message(session: Session, viewer: Viewer, chosen: int | None,
                          problems: list[FieldProblem], path: tuple) -> int | None:
    """VOI-02 / VOI-03: the number a new message's calls show, or a problem at ``path``."""
    available = available_to(session, viewer)
    if available.district_default is None:
        problems.append(FieldProblem(path, "NO_CALLER_ID", "Calls are unavailable until the district has a "
                                                           "District Default caller ID number (VOI-02)."))
        return None
    if chosen is None:
        return available.default.id if available.default else None
    if chosen not in {number.id for number in available.numbers}:
        problems.append(FieldProblem(("input", "callerIdId"), "NOT_FOUND",
                                     "No caller ID you can use has this id."))
        return None
    return chosen


# --- managing the numbers (PERM-40) ----------------------------------------------------------------

def refuse_district_default_change(session: Session, viewer: Viewer, caller_id: int) -> None:
    """CID-06: a number that is a District Default is changed or deleted by district administrators
    only (the flag itself is gated on the input)."""
    if is_district_administrator(viewer):
        return
    if session.execute(select(CallerId.district_default).where(CallerId.id == caller_id)).scalar():
        raise AuthorizationError(f'This caller ID is a District Default number; changing it needs the '
                                 f'"{CATALOGUE[Perm.DISTRICT_SETTINGS].label}" permission.',
                                 requirement=Perm.DISTRICT_SETTINGS.value)


def _checked(session: Session, data: CallerIdInput, path: tuple, editing: int | None) -> tuple[str, list[FieldProblem]]:
    problems = []
    phone = ""
    if not data.title.strip():
        problems.append(FieldProblem((*path, "title"), "REQUIRED", "A title is required (it is never shown to the "
                                                                   "people called)."))
    elif len(data.title.strip()) > 120:
        problems.append(FieldProblem((*path, "title"), "TOO_LONG", "The title is longer than 120 characters."))
    elif has_control_characters(data.title.strip()):
        problems.append(FieldProblem((*path, "title"), INVALID_CHARACTERS,
                                     "The title is one line: remove line breaks, tabs and other control characters."))
    try:
        phone = normalised_phone(data.phone)
    except BadContactDetail as error:
        problems.append(FieldProblem((*path, "phone"), "INVALID", str(error)))
    known_schools = set(session.execute(select(School.id).where(School.id.in_(set(data.school_ids)))).scalars())
    for index, school_id in enumerate(data.school_ids):
        if school_id not in known_schools:
            problems.append(FieldProblem((*path, "schoolIds", index), "NOT_FOUND", f"School {school_id} does not exist."))
    if data.school_default and not data.school_ids:
        problems.append(FieldProblem((*path, "schoolIds"), "REQUIRED", "A school default needs its schools (CID-05)."))
    if data.student_attendance:  # CID-04
        other = select(CallerId.id).where(CallerId.student_attendance, CallerId.id != (editing or -1))
        if session.execute(other.limit(1)).first():
            problems.append(FieldProblem((*path, "studentAttendance"), "CONFLICT",
                                         "Another number is already the Student Attendance number (CID-04)."))
    return phone, problems


def _write_schools(session: Session, caller_id: int, school_ids: tuple[int, ...]) -> None:
    session.execute(delete(CallerIdSchool).where(CallerIdSchool.caller_id == caller_id))
    if school_ids:
        session.execute(insert(CallerIdSchool), [{"caller_id": caller_id, "school_id": s} for s in set(school_ids)])


def create(session: Session, data: CallerIdInput) -> CallerId:
    phone, problems = _checked(session, data, ("input",), None)
    if problems:
        raise InvalidInput(problems)
    number = CallerId(title=data.title.strip(), phone=phone, **{flag: getattr(data, flag) for flag in FLAGS})
    session.add(number)
    session.flush()
    _write_schools(session, number.id, data.school_ids)
    return number


def edit(session: Session, caller_id: int, data: CallerIdInput) -> CallerId:
    number = session.get(CallerId, caller_id)
    if number is None:
        raise InvalidInput([FieldProblem(("id",), "NOT_FOUND", "No caller ID has this id.")])
    phone, problems = _checked(session, data, ("input",), caller_id)
    if problems:
        raise InvalidInput(problems)
    number.title, number.phone = data.title.strip(), phone
    for flag in FLAGS:
        setattr(number, flag, getattr(data, flag))
    session.add(number)
    _write_schools(session, caller_id, data.school_ids)
    session.flush()
    return number


def remove(session: Session, caller_id: int) -> bool:
    """Delete a number; messages that showed it keep their calls' history, without the number."""
    session.execute(update(Message).where(Message.caller_id_id == caller_id).values(caller_id_id=None))
    session.execute(delete(CallerIdSchool).where(CallerIdSchool.caller_id == caller_id))
    return bool(session.execute(delete(CallerId).where(CallerId.id == caller_id)).rowcount)


# --- CSV import (CID-08) ----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CsvColumns:
    """0-based positions; schools hold school names or ids separated by ";"."""

    title: int
    phone: int
    schools: int | None = None
    public: int | None = None
    student_attendance: int | None = None
    school_default: int | None = None
    district_default: int | None = None


def _column_problems(columns: CsvColumns, rows: list[list[str]]) -> list[FieldProblem]:
    """The mapping itself: positions start at 0 and lie within the file's widest row (a shorter
    row's missing cells are blank)."""
    width = max((len(row) for row in rows), default=0)
    problems = []
    for field in dataclasses.fields(columns):
        position = getattr(columns, field.name)
        if position is None:
            continue
        head, *rest = field.name.split("_")
        argument = head + "".join(word.title() for word in rest)  # the GraphQL name, e.g. schoolDefault
        if position < 0:
            problems.append(FieldProblem(("columns", argument), "INVALID",
                                         f"Column positions start at 0; {argument} is {position}."))
        elif rows and position >= width:
            problems.append(FieldProblem(("columns", argument), "INVALID",
                                         f"{argument} is column {position}, but the file's rows have at most {width} "
                                         f"column(s), numbered from 0."))
    return problems


def import_csv(session: Session, text: str, columns: CsvColumns, *, has_header: bool = True) -> list[CallerId]:
    """Create a number per row; every bad row and column is reported, and then nothing is created."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise InvalidInput([FieldProblem(("csv",), "INVALID", f"The CSV is malformed: {error}.")]) from None
    mapping_problems = _column_problems(columns, rows)
    if mapping_problems:  # each row would only repeat them
        raise InvalidInput(mapping_problems)
    start = 1 if has_header else 0
    by_name = {name.lower(): school_id for school_id, name in session.execute(select(School.id, School.name))}
    parsed, problems = [], []
    seen_attendance = False
    for offset, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        path = ("row", offset)

        def cell(position: int | None) -> str:  # called within this iteration only
            return row[position].strip() if position is not None and position < len(row) else ""  # noqa: B023

        flags = {}
        for flag in FLAGS:
            value = cell(getattr(columns, flag))
            if value not in ("", "0", "1"):
                problems.append(FieldProblem((*path, flag), "INVALID", f"{flag} must be 1, 0 or blank, not {value!r}."))
            flags[flag] = value == "1"
        school_ids = []
        for name in filter(None, (part.strip() for part in cell(columns.schools).split(";"))):
            school_id = by_name.get(name.lower()) or (int(name) if name.isdigit() else None)
            if school_id is None:
                problems.append(FieldProblem((*path, "schools"), "NOT_FOUND", f"No school named {name!r}."))
            else:
                school_ids.append(school_id)
        data = CallerIdInput(title=cell(columns.title), phone=cell(columns.phone), school_ids=tuple(school_ids),
                             **flags)
        _, row_problems = _checked(session, data, path, None)
        if data.student_attendance:
            if seen_attendance:
                row_problems.append(FieldProblem((*path, "studentAttendance"), "CONFLICT",
                                                 "Only one number may be the Student Attendance number (CID-04)."))
            seen_attendance = True
        problems.extend(row_problems)
        parsed.append(data)
    if problems:
        raise InvalidInput(problems)
    return [create(session, data) for data in parsed]
