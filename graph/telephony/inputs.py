"""Caller ID inputs: one number, and the columns of a CSV of them (CID-01, CID-06, CID-08)."""

from __future__ import annotations

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.telephony import caller_ids as rules
from graph.pagination import parse_ids
from graph.permissions import gated


@strawberry.input(description="A caller ID number as created or changed (CID-01); every field is written.")
class CallerIdInput:
    title: str = strawberry.field(description=(
        "An internal name, one line, up to 120 characters; the people called never see it (CID-01)."))
    phone: str = strawberry.field(description=(
        "The number as typed, e.g. (312) 555-0100 or +13125550100; stored in E.164 (INVALID when it is not a "
        "phone number)."))
    public: bool = strawberry.field(default=False, description=(
        "Offered to the users of its schools, or to every user when it has no schools (CID-02)."))
    school_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description=(
        "The schools it belongs to (School.id); empty: none. A school default needs at least one (CID-05)."))
    student_attendance: bool = strawberry.field(default=False, description=(
        "The single number for student attendance calls; CONFLICT when another number already is (CID-04)."))
    school_default: bool = strawberry.field(default=False, description=(
        "The default number for users at its schools (CID-05)."))
    district_default: bool = gated("The district-wide default number: calls need one; when several are flagged, the "
                                   "newest one is used (CID-06).", Perm.DISTRICT_SETTINGS, default=False)


@strawberry.input(description="Which CSV column (counted from 0) holds each field; flag columns hold 1, 0 or "
                              "nothing (CID-08).")
class CallerIdColumnsInput:
    title: int = strawberry.field(description="The column of the title (CallerIdInput.title).")
    phone: int = strawberry.field(description="The column of the phone number.")
    schools: int | None = strawberry.field(default=None, description=(
        'The column of the schools: names or ids (School.id), separated by ";". Null: no schools.'))
    public: int | None = strawberry.field(default=None, description="The column of the Public flag; null: not public.")
    student_attendance: int | None = strawberry.field(
        default=None, description="The column of the Student Attendance flag (CID-04); null: not flagged.")
    school_default: int | None = strawberry.field(
        default=None, description="The column of the School Default flag (CID-05); null: not flagged.")
    district_default: int | None = gated("The column of the District Default flag (CID-06); null: not flagged.", Perm.DISTRICT_SETTINGS,
                                         default=None)


def to_caller_id(input: CallerIdInput) -> rules.CallerIdInput:
    return rules.CallerIdInput(title=input.title, phone=input.phone, public=input.public,
                               school_ids=parse_ids(input.school_ids, Kind.SCHOOL), student_attendance=input.student_attendance,
                               school_default=input.school_default, district_default=input.district_default)
