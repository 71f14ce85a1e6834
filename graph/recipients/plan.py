"""recipientPlan: who a message input would reach, and who not and why, without sending."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import strawberry

from domain.support.errors import InvalidInput
from domain.messages.send import create_message, needs_confirmation
from domain.access.permissions import Perm
from domain.recipients.call_window import message_deferral
from domain.recipients.plan import WILL_SEND, plan_message, plan_rows, plan_summary, reason_code
from graph.context import Info
from graph.messages.inputs import SendMessageErrors, SendMessageInput, to_errors, to_request
from graph.messages.types import DELIVERY_STATUS_TEXT, CallWindowDeferral, Channel, DeliveryStatus, RecipientKind
from graph.pagination import decode_cursor, encode_cursor, page_size
from graph.permissions import authorize_input, requires
from models import messaging as db
from models.db import utcnow


@strawberry.type(description="How many planned deliveries of one channel end in one outcome.")
class PlanOutcomeCount:
    channel: Channel
    status: DeliveryStatus
    count: int


PlanReason = strawberry.enum(
    enum.Enum("PlanReason", {
        "DEFERRED_CALL_WINDOW": strawberry.enum_value(
            "DEFERRED_CALL_WINDOW", description="Sent when the call window opens at notBefore (SYS-01)."),
        **{status.name: strawberry.enum_value(status.value, description=DELIVERY_STATUS_TEXT[status])
           for status in db.NOT_SENT_DELIVERY_STATUSES}}),
    name="PlanReason", description="Why a planned delivery is not sent now.")


@strawberry.type(description="One planned delivery: QUEUED is sent now, DEFERRED when the call window opens; "
                             "any other status is the reason it will not be sent.")
class PlannedDelivery:
    channel: Channel
    recipient_kind: RecipientKind
    recipient_id: strawberry.ID
    student_id: strawberry.ID | None
    recipient_name: str
    address: str
    language: str
    status: DeliveryStatus
    will_send: bool = strawberry.field(description="Whether it will be transmitted (now or when the window opens).")
    reason: PlanReason | None = strawberry.field(description="Why not now; null when it goes now.")
    not_before: dt.datetime | None = strawberry.field(description="When a deferred delivery goes out (UTC).")


@strawberry.type(description="A page of planned deliveries.")
class PlannedDeliveryPage:
    total_count: int
    end_cursor: str | None
    has_next_page: bool
    nodes: list[PlannedDelivery]


@strawberry.type(description="The dry-run plan of a message input; computed by the same code as the real fan-out.")
class RecipientPlan:
    recipient_count: int = strawberry.field(description="People reached, each counted once: the count sendMessage asks to confirm "
                                                  "(CMP-27).")
    confirmation_required: bool = strawberry.field(description="Whether sendMessage will ask to confirm the count.")
    selected_students: int = strawberry.field(description="Students selected, out of possibleStudents (RCP-18).")
    possible_students: int = strawberry.field(description="The students the viewer may message (RCP-18).")
    selected_staff: int = strawberry.field(description="Staff selected, out of possibleStaff (RCP-18).")
    possible_staff: int = strawberry.field(description="The staff the viewer may message (RCP-18).")
    outcomes: list[PlanOutcomeCount]
    call_window: CallWindowDeferral | None = strawberry.field(
        description="Set when SMS, calls or push would wait for the call window (SYS-02).")
    family_seed: int = strawberry.field(description=(
        "The random once-per-family draw this plan used; pass it as familySeed to sendMessage to send "
        "to the students it picked (RCP-09)."))
    deliveries: PlannedDeliveryPage


RecipientPlanResult = Annotated[RecipientPlan | SendMessageErrors, strawberry.union("RecipientPlanResult")]


def recipient_plan(info: Info, input: SendMessageInput, first: int = 100, after: str | None = None,
                   will_send: bool | None = None) -> RecipientPlanResult:
    viewer = info.context.viewer
    authorize_input(viewer, input)
    first = page_size(first)
    offset = decode_cursor("plan", after) or 0
    session = info.context.session
    try:
        # The message is stored and fanned out inside this transaction only, then rolled back.
        now = utcnow()
        message = create_message(session, viewer, to_request(input))
        plan_message(session, message, at=now)
        summary = plan_summary(session, viewer, message)
        total, rows = plan_rows(session, message, offset=offset, limit=first, will_send=will_send)
        deferral = message_deferral(session, message, at=now)
    except InvalidInput as invalid:
        return to_errors(invalid.problems)
    finally:
        session.rollback()
    nodes = [
        PlannedDelivery(
            channel=Channel(row.channel), recipient_kind=db.RecipientKind(row.recipient_kind),
            recipient_id=strawberry.ID(str(row.recipient_id)),
            student_id=strawberry.ID(str(row.student_id)) if row.student_id is not None else None,
            recipient_name=row.recipient_name, address=row.address, language=row.language,
            status=db.DeliveryStatus(row.status), will_send=row.status in WILL_SEND,
            reason=PlanReason(code) if (code := reason_code(row.status)) else None, not_before=row.not_before,
        )
        for row in rows
    ]
    end = offset + len(nodes)
    return RecipientPlan(
        recipient_count=summary.recipient_count,
        confirmation_required=needs_confirmation(viewer, summary.recipient_count),
        selected_students=summary.selected_students, possible_students=summary.possible_students,
        selected_staff=summary.selected_staff, possible_staff=summary.possible_staff,
        call_window=CallWindowDeferral.of(deferral), family_seed=summary.family_seed,
        outcomes=[PlanOutcomeCount(channel=Channel(o.channel), status=db.DeliveryStatus(o.status), count=o.count)
                  for o in summary.outcomes],
        deliveries=PlannedDeliveryPage(total_count=total, has_next_page=end < total,
                                       end_cursor=encode_cursor("plan", end) if nodes else None, nodes=nodes),
    )


@strawberry.type
class PlanQueries:
    recipient_plan: RecipientPlanResult = strawberry.field(
        resolver=recipient_plan,
        **requires("Dry-run a message input: counts per channel and outcome, and every planned delivery "
                   "with its reason; nothing is written or sent.", Perm.COMMUNICATION),
    )
