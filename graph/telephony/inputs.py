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
    district_default: bool = gated("CID-06: calls need a District Default number; the newest one is the "
                                   "effective one.", Perm.DISTRICT_SETTINGS, default=False)


@strawberry.input(description="CID-08: 0-based column positions of the CSV; flags hold 1, 0 or nothing.")
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
