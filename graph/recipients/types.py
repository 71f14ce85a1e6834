"""Recipient plan types: who a message input would reach, and who not and why."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from graph.pagination import Connection
from graph.messages.types import DELIVERY_STATUS_TEXT, CallWindowDeferral, Channel, DeliveryStatus, RecipientKind
from models import messaging as db


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
    deliveries: Connection[PlannedDelivery] = strawberry.field(description=(
        "The planned deliveries, by channel, recipient and address; paged by recipientPlan's first/after/last/"
        "before. The plan is computed afresh for each request, so a cursor is a position in it: page with the "
        "same input and familySeed."))
