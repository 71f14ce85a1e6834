"""recipientPlan: who a message input would reach, and who not and why, without sending."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind, shown_address
from domain.access.permissions import Perm
from domain.messages.send import create_message, needs_confirmation
from domain.recipients.call_window import message_deferral
from domain.recipients.plan import WILL_SEND, plan_message, plan_rows, plan_summary
from graph.audit.disclosures import contact_data_shown
from graph.context import Info
from graph.errors import MESSAGE_INPUT_CODES, field_errors, perform
from graph.messages.inputs import SendMessageInput, to_request
from graph.messages.types import CallWindowDeferral, Channel, delivery_reason
from graph.pagination import (
    After,
    Before,
    Connection,
    decode_cursor,
    direction,
    Edge,
    encode_cursor,
    First,
    Last,
    optional_node_id,
    PageInfo,
    recipient_node_id,
)
from graph.permissions import authorize_input, requires
from graph.recipients.types import PlannedDelivery, PlanOutcomeCount, RecipientPlan
from models import messaging as db
from models.db import utcnow

RecipientPlanErrors = field_errors("RecipientPlan", MESSAGE_INPUT_CODES)
RecipientPlanResult = Annotated[RecipientPlan | RecipientPlanErrors, strawberry.union(
    "RecipientPlanResult", description="What recipientPlan answers: the plan, or the input's errors (as sendMessage "
                                       "would answer them).")]


def recipient_plan(info: Info,
                   input: Annotated[SendMessageInput, strawberry.argument(description=(
                       "The message as sendMessage would take it; its gated options need the same permissions."))],
                   first: First = None, after: After = None,
                   will_send: Annotated[bool | None, strawberry.argument(description=(
                       "true: only the deliveries that will be transmitted (now or when the window opens); false: "
                       "only those that will not; null: all. Counts and outcomes cover the whole plan."))] = None, last: Last = None, before: Before = None) -> RecipientPlanResult:
    viewer = info.context.viewer
    authorize_input(viewer, input)
    size, backward = direction(first, after, last, before, default=100)
    # A cursor is a row's position in the plan (0-based): rows after it start one further on.
    start, stop = _position(after, 1) or 0, _position(before, 0)
    session = info.context.session

    def span(total: int) -> tuple[int, int]:
        end = total if stop is None else min(stop, total)
        begin = min(start, end)
        offset = max(begin, end - size) if backward else begin
        return offset, max(min(end - offset, size), 0)

    def plan():
        # The message is stored and fanned out inside this transaction only, then rolled back.
        now = utcnow()
        message = create_message(session, viewer, to_request(input))
        plan_message(session, message, at=now)
        summary = plan_summary(session, viewer, message)
        total, rows = plan_rows(session, message, will_send=will_send, span=span)
        return summary, total, rows, message_deferral(session, message, at=now)

    result = perform(info, plan, refused=RecipientPlanErrors.of,
                     done=lambda planned: _answer(viewer, span(planned[1])[0], *planned), write=False)
    if isinstance(result, RecipientPlan):  # the plan was rolled back; its disclosure is audited after
        contact_data_shown(info, "recipientPlan", [], [edge.node.student_id for edge in result.deliveries.edges])
    return result


def _position(cursor: str | None, step: int) -> int | None:
    position = decode_cursor("plan", cursor)
    return None if position is None else max(position + step, 0)


def _answer(viewer, offset: int, summary, total: int, rows, deferral) -> RecipientPlan:
    nodes = [
        PlannedDelivery(
            channel=Channel(row.channel), recipient_kind=db.RecipientKind(row.recipient_kind),
            recipient_id=recipient_node_id(row.recipient_kind, row.recipient_id),
            student_id=optional_node_id(Kind.STUDENT, row.student_id),
            recipient_name=row.recipient_name, address=shown_address(row.address), language=row.language,
            status=db.DeliveryStatus(row.status), will_send=row.status in WILL_SEND,
            reason=delivery_reason(row.status), not_before=row.not_before,
        )
        for row in rows
    ]
    edges = [Edge(cursor=encode_cursor("plan", offset + n), node=node) for n, node in enumerate(nodes)]
    return RecipientPlan(
        recipient_count=summary.recipient_count,
        confirmation_required=needs_confirmation(viewer, summary.recipient_count),
        selected_students=summary.selected_students, possible_students=summary.possible_students,
        selected_staff=summary.selected_staff, possible_staff=summary.possible_staff,
        call_window=CallWindowDeferral.of(deferral), family_seed=summary.family_seed,
        outcomes=[PlanOutcomeCount(channel=Channel(o.channel), status=db.DeliveryStatus(o.status), count=o.count)
                  for o in summary.outcomes],
        deliveries=Connection(edges=edges, count=lambda: total, page_info=PageInfo.of(
            [edge.cursor for edge in edges], has_next=offset + len(nodes) < total, has_previous=offset > 0)),
    )


@strawberry.type
class PlanQueries:
    recipient_plan: RecipientPlanResult = strawberry.field(
        resolver=recipient_plan,
        **requires("Dry-run a message input: counts per channel and outcome, and every planned delivery "
                   "with its reason (100 a page by default); nothing is written or sent.", Perm.COMMUNICATION),
    )
