"""scheduleDraft: schedule one of your drafts (SCH-03), with the CMP-27 confirmation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.messages.send import MessageNotFound
from domain.scheduling.scheduled_messages import schedule_draft as store_scheduled_draft
from domain.support.errors import FieldProblem, InvalidInput
from graph.context import Info
from graph.errors import NEW_MESSAGE_CODES, SCHEDULE_CODES, field_errors
from graph.messages.sending import SendMessageConfirmationRequired
from graph.pagination import parse_id
from graph.permissions import requires
from graph.scheduling.inputs import ScheduleInput
from graph.scheduling.types import ScheduleMessageSuccess, save_schedule

#: The schedule's codes, a missing draft, a draft without recipients (CMP-02), a prior school year (SYS-08).
ScheduleDraftErrors = field_errors("ScheduleDraft", (*SCHEDULE_CODES, "NOT_FOUND", "RECIPIENTS_EMPTY",
                                                     *NEW_MESSAGE_CODES))
ScheduleDraftResult = Annotated[
    ScheduleMessageSuccess | ScheduleDraftErrors | SendMessageConfirmationRequired,
    strawberry.union("ScheduleDraftResult", description=(
        "What scheduleDraft answers: the scheduled message, a recipient count to confirm (CMP-27), or the "
        "input's errors.")),
]


@strawberry.type
class ScheduleDraftMutation:
    @strawberry.mutation(**requires("Schedule one of your drafts (SCH-03).", Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def schedule_draft(self, info: Info,
                       id: Annotated[strawberry.ID, strawberry.argument(description="One of your drafts (Message.id).")],
                       schedule: Annotated[ScheduleInput, strawberry.argument(description="When to send it.")],
                       confirmed_recipient_count: Annotated[int | None, strawberry.argument(description=(
                           "The recipient count the sender confirms, as the confirmation request gave it; needed above 100 "
            "recipients or when the district always confirms (CMP-27). Null: not confirmed yet."))] = None) -> ScheduleDraftResult:
        viewer, session = info.context.viewer, info.context.session

        def store():
            try:
                return store_scheduled_draft(session, viewer, parse_id(id, Kind.MESSAGE), schedule.to_request(),
                                             confirmed_recipient_count)
            except MessageNotFound:
                raise InvalidInput([FieldProblem(("id",), "NOT_FOUND", "No draft of yours has that id.")]) from None

        return save_schedule(info, store, ScheduleDraftErrors)
