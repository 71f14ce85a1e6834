"""scheduleMessage: store a new message to send later (SCH-01, SCH-02), with the CMP-27 confirmation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.scheduling.scheduled_messages import schedule_message as store_scheduled_message
from graph.context import Info
from graph.errors import MESSAGE_INPUT_CODES, NEW_MESSAGE_CODES, SCHEDULE_CODES, field_errors
from graph.messages.inputs import SendMessageInput, to_request
from graph.messages.sending import SendMessageConfirmationRequired
from graph.permissions import authorize_input, requires
from graph.scheduling.inputs import ScheduleInput
from graph.scheduling.types import ScheduleMessageSuccess, save_schedule

ScheduleMessageErrors = field_errors("ScheduleMessage", (*MESSAGE_INPUT_CODES, *SCHEDULE_CODES, *NEW_MESSAGE_CODES))
ScheduleMessageResult = Annotated[
    ScheduleMessageSuccess | ScheduleMessageErrors | SendMessageConfirmationRequired,
    strawberry.union("ScheduleMessageResult", description=(
        "What scheduleMessage answers: the scheduled message, a recipient count to confirm (CMP-27), or the "
        "input's errors.")),
]


@strawberry.type
class ScheduleMessageMutation:
    @strawberry.mutation(**requires("Schedule a new message, asking to confirm the recipient count as sendMessage does "
                                    "(SCH-01, SCH-02, CMP-27).",
                                    Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def schedule_message(self, info: Info,
                         input: Annotated[SendMessageInput, strawberry.argument(description=(
                             "The message, as sendMessage takes it (confirmedRecipientCount included)."))],
                         schedule: Annotated[ScheduleInput, strawberry.argument(description="When to send it.")]) -> ScheduleMessageResult:
        viewer = info.context.viewer
        authorize_input(viewer, input)
        return save_schedule(info, lambda: store_scheduled_message(info.context.session, viewer, to_request(input),
                                                                   schedule.to_request()), ScheduleMessageErrors)
