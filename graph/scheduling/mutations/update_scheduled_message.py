"""updateScheduledMessage: edit a scheduled (or errored) message like a new one (SCH-14)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.messages.send import MessageNotFound
from domain.scheduling.scheduled_messages import update_scheduled_message as store_scheduled_edit
from domain.support.errors import FieldProblem, InvalidInput
from graph.context import Info
from graph.errors import MESSAGE_INPUT_CODES, SCHEDULE_CODES, field_errors
from graph.messages.inputs import SendMessageInput, to_request
from graph.messages.sending import SendMessageConfirmationRequired
from graph.pagination import parse_id
from graph.permissions import authorize_input, requires
from graph.scheduling.inputs import ScheduleInput
from graph.scheduling.types import ScheduleMessageSuccess, save_schedule

UpdateScheduledMessageErrors = field_errors("UpdateScheduledMessage", (*MESSAGE_INPUT_CODES, *SCHEDULE_CODES))
UpdateScheduledMessageResult = Annotated[
    ScheduleMessageSuccess | UpdateScheduledMessageErrors | SendMessageConfirmationRequired,
    strawberry.union("UpdateScheduledMessageResult", description=(
        "What updateScheduledMessage answers: the saved message, a recipient count to confirm (CMP-27), or the "
        "input's errors.")),
]


@strawberry.type
class UpdateScheduledMessageMutation:
    @strawberry.mutation(**requires(
        "Edit a scheduled (or errored) message like a new one and save it, keeping its date and time "
        "(schedule null) or changing its schedule. Saving makes an errored message eligible again "
        "(SCH-14, SCH-10, SCH-12).",
        Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def update_scheduled_message(self, info: Info,
                                 id: Annotated[strawberry.ID, strawberry.argument(description=(
                                     "One of your scheduled or errored messages (Message.id)."))],
                                 input: Annotated[SendMessageInput, strawberry.argument(description=(
                                     "The whole message as it is to be, as sendMessage takes it."))],
                                 schedule: Annotated[ScheduleInput | None, strawberry.argument(description=(
                                     "A new schedule; null keeps the stored date, time and rule."))] = None) -> UpdateScheduledMessageResult:
        viewer, session = info.context.viewer, info.context.session
        authorize_input(viewer, input)

        def store():
            try:
                return store_scheduled_edit(session, viewer, parse_id(id, Kind.MESSAGE), to_request(input),
                                            schedule.to_request() if schedule else None)
            except MessageNotFound:
                raise InvalidInput([FieldProblem(("id",), "NOT_FOUND",
                                                 f"No scheduled message of yours has id {id}.")]) from None

        return save_schedule(info, store, UpdateScheduledMessageErrors)
