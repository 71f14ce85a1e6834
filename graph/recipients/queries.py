"""recipientPlan: who a message input would reach, and who not and why, without sending."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.messages.send import create_message, needs_confirmation
from domain.recipients.call_window import message_deferral
from domain.recipients.plan import WILL_SEND, plan_message, plan_rows, plan_summary
from graph.audit.disclosures import contact_data_shown
from graph.context import Info
from graph.errors import MESSAGE_INPUT_CODES, field_errors, perform
from graph.messages.inputs import SendMessageInput, to_request
from graph.messages.types import CallWindowDeferral, Channel, delivery_reason
from graph.pagination import decode_cursor, encode_cursor, page_size
from graph.permissions import authorize_input, requires
from graph.recipients.types import PlannedDelivery, PlannedDeliveryPage, PlanOutcomeCount, RecipientPlan
from models import messaging as db
from models.db import utcnow

RecipientPlanErrors = field_errors("RecipientPlan", MESSAGE_INPUT_CODES)
RecipientPlanResult = Annotated[RecipientPlan | RecipientPlanErrors, strawberry.union("RecipientPlanResult")]


def recipient_plan(info: Info, input: SendMessageInput, first: int = 100, after: str | None = None,
                   will_send: bool | None = None) -> RecipientPlanResult:
    viewer = info.context.viewer
    authorize_input(viewer, input)
    first = page_size(first)
    offset = decode_cursor("plan", after) or 0
    session = info.context.session

    def plan():
        # The message is stored and fanned out inside this transaction only, then rolled back.
        now = utcnow()
        message = create_message(session, viewer, to_request(input))
        plan_message(session, message, at=now)
        summary = plan_summary(session, viewer, message)
        total, rows = plan_rows(session, message, offset=offset, limit=first, will_send=will_send)
        return summary, total, rows, message_deferral(session, message, at=now)

    result = perform(info, plan, refused=RecipientPlanErrors.of,
                     done=lambda planned: _answer(viewer, offset, first, *planned), write=False)
    if isinstance(result, RecipientPlan):  # the plan was rolled back; its disclosure is audited after
        contact_data_shown(info, "recipientPlan", [], [node.student_id for node in result.deliveries.nodes])
    return result


def _answer(viewer, offset: int, first: int, summary, total: int, rows, deferral) -> RecipientPlan:
    nodes = [
        PlannedDelivery(
            channel=Channel(row.channel), recipient_kind=db.RecipientKind(row.recipient_kind),
            recipient_id=strawberry.ID(str(row.recipient_id)),
            student_id=strawberry.ID(str(row.student_id)) if row.student_id is not None else None,
            recipient_name=row.recipient_name, address=row.address or None, language=row.language,
            status=db.DeliveryStatus(row.status), will_send=row.status in WILL_SEND,
            reason=delivery_reason(row.status), not_before=row.not_before,
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
