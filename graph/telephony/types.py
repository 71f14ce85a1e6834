"""Caller ID types (CID-*, VOI-03)."""

from __future__ import annotations

import strawberry

from domain.support.global_ids import Kind
from domain.telephony import caller_ids as rules
from domain.support.errors import AuthorizationError
from graph.node import Node
from graph.context import Info
from graph.permissions import denied
from models.caller_ids import CallerId as CallerIdRow
from graph.pagination import node_id


@strawberry.type(description="A caller ID number. The title is internal: the people called never see it (CID-01).")
class CallerId(Node):
    id: strawberry.ID = strawberry.field(description="The number's id, for callerIdId and updateCallerId.")
    title: str = strawberry.field(description="The internal name (CID-01).")
    phone: str = strawberry.field(description="E.164.")
    public: bool = strawberry.field(description="Offered to users of its schools, or to every user when it has no schools (CID-02).")
    school_ids: list[strawberry.ID] = strawberry.field(description="The schools it belongs to (School.id); empty: none.")
    student_attendance: bool = strawberry.field(description="The single number used for student attendance calls (CID-04).")
    school_default: bool = strawberry.field(description="The default number for users at its schools (CID-05).")
    district_default: bool = strawberry.field(description="The district-wide default; when several are flagged, the newest one is used (CID-06).")

    @classmethod
    def of(cls, row: CallerIdRow, school_ids: list[int]) -> CallerId:
        return cls(id=node_id(Kind.CALLER_ID, row.id), title=row.title, phone=row.phone, public=row.public,
                   school_ids=[node_id(Kind.SCHOOL, s) for s in school_ids], student_attendance=row.student_attendance,
                   school_default=row.school_default, district_default=row.district_default)


@strawberry.type(description="The numbers a sender may put on a call, and the one used when none is picked.")
class AvailableCallerIds:
    numbers: list[CallerId] = strawberry.field(description=(
        "The numbers the sender may pick (VOI-03); empty when calls are unavailable (no District Default number, "
        "VOI-02)."))
    default_id: strawberry.ID | None = strawberry.field(description="The number used when the sender picks none; null when calls are unavailable (VOI-02, VOI-03).")


def shown(info: Info, rows: list[CallerIdRow]) -> list[CallerId]:
    """The rows as CallerId, with their schools (one statement)."""
    schools = rules.schools_of(info.context.session, [row.id for row in rows])
    return [CallerId.of(row, schools[row.id]) for row in rows]


@strawberry.type(description="The caller ID number is saved.")
class CallerIdSaved:
    caller_id: CallerId = strawberry.field(description="The number as stored (phone in E.164).")


def refuse_district_default_change(info: Info, caller_id: int) -> None:
    """CID-06: changing a District Default number needs district settings: a top-level FORBIDDEN."""
    try:
        rules.refuse_district_default_change(info.context.session, info.context.viewer, caller_id)
    except AuthorizationError as refused:
        raise denied(refused) from None
