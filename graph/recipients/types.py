"""Recipient plan types: who a message input would reach, and who not and why."""

from __future__ import annotations

import datetime as dt

import strawberry

from graph.pagination import Connection
from graph.messages.types import CallWindowDeferral, Channel, DeliveryReason, DeliveryStatus, RecipientKind


@strawberry.type(description="How many planned deliveries of one channel end in one outcome.")
class PlanOutcomeCount:
    channel: Channel = strawberry.field(description="The channel.")
    status: DeliveryStatus = strawberry.field(description="The outcome: QUEUED, DEFERRED, or why it will not be sent.")
    count: int = strawberry.field(description="How many planned deliveries of the channel end so.")


@strawberry.type(description="One planned delivery: QUEUED is sent now, DEFERRED when the call window opens; "
                             "any other status is the reason it will not be sent.")
class PlannedDelivery:
    channel: Channel = strawberry.field(description="How it would go.")
    recipient_kind: RecipientKind = strawberry.field(description="Whether recipientId names a student, a contact, a "
                                                                 "staff user or an imported recipient.")
    recipient_id: strawberry.ID = strawberry.field(description="The person it is for, of the kind recipientKind says.")
    student_id: strawberry.ID | None = strawberry.field(description=(
        "The student it is about (the student, or the student whose contact it reaches); null for staff and "
        "imported recipients."))
    recipient_name: str = strawberry.field(description="The recipient's name.")
    address: str | None = strawberry.field(
        description="Where it would go; null when the recipient has no address for the channel (NO_CONTACT_INFO).")
    language: str = strawberry.field(description='The language it would be sent in, e.g. "en", "es".')
    status: DeliveryStatus = strawberry.field(description="QUEUED (sent now), DEFERRED (when the call window opens) "
                                                          "or why it will not be sent.")
    will_send: bool = strawberry.field(description="Whether it will be transmitted (now or when the window opens).")
    reason: DeliveryReason | None = strawberry.field(
        description="Why not now (the same enum as Delivery.reason); null when it goes now.")
    not_before: dt.datetime | None = strawberry.field(description=(
        "When a deferred delivery goes out (UTC); null when it is not deferred."))


@strawberry.type(description="The dry-run plan of a message input; computed by the same code as the real fan-out.")
class RecipientPlan:
    recipient_count: int = strawberry.field(description="People reached, each counted once: the count sendMessage asks to confirm "
                                                  "(CMP-27).")
    confirmation_required: bool = strawberry.field(description="Whether sendMessage will ask to confirm the count.")
    selected_students: int = strawberry.field(description="Students selected, out of possibleStudents (RCP-18).")
    possible_students: int = strawberry.field(description="The students the viewer may message (RCP-18).")
    selected_staff: int = strawberry.field(description="Staff selected, out of possibleStaff (RCP-18).")
    possible_staff: int = strawberry.field(description="The staff the viewer may message (RCP-18).")
    outcomes: list[PlanOutcomeCount] = strawberry.field(description=(
        "Planned deliveries counted per channel and outcome, over the whole plan (not the page)."))
    call_window: CallWindowDeferral | None = strawberry.field(
        description=(
        "Set when SMS, calls or push would wait for the call window (SYS-02); null when nothing waits."))
    family_seed: int = strawberry.field(description=(
        "The random once-per-family draw this plan used; pass it as familySeed to sendMessage to send "
        "to the students it picked (RCP-09)."))
    deliveries: Connection[PlannedDelivery] = strawberry.field(description=(
        "The planned deliveries, by channel, recipient and address; paged by recipientPlan's first/after/last/"
        "before. The plan is computed afresh for each request, so a cursor is a position in it: page with the "
        "same input and familySeed."))
