"""Caller ID inputs: one number, and the columns of a CSV of them (CID-01, CID-06, CID-08)."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from domain.telephony import caller_ids as rules
from graph.pagination import parse_ids
from graph.permissions import gated


@strawberry.input
class CallerIdInput:
    title: str
    phone: str
    public: bool = False
    school_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    student_attendance: bool = False
    school_default: bool = False
    district_default: bool = gated("The district-wide default number: calls need one; when several are flagged, the "
                                   "newest one is used (CID-06).", Perm.DISTRICT_SETTINGS, default=False)


@strawberry.input(description="Which CSV column (counted from 0) holds each field; flag columns hold 1, 0 or "
                              "nothing (CID-08).")
class CallerIdColumnsInput:
    title: int
    phone: int
    schools: int | None = strawberry.field(default=None, description='School names or ids, separated by ";".')
    public: int | None = None
    student_attendance: int | None = None
    school_default: int | None = None
    district_default: int | None = gated("The District Default flag (CID-06).", Perm.DISTRICT_SETTINGS,
                                         default=None)


def to_caller_id(input: CallerIdInput) -> rules.CallerIdInput:
    return rules.CallerIdInput(title=input.title, phone=input.phone, public=input.public,
                               school_ids=parse_ids(input.school_ids), student_attendance=input.student_attendance,
                               school_default=input.school_default, district_default=input.district_default)
