"""Scheduled-message mutations, one a module; ``ScheduleMutations`` composes them for graph.schema.

- ``cancel_scheduled_message``: cancelScheduledMessage: nothing of a scheduled message is sent any more.
- ``schedule_draft``: scheduleDraft: schedule one of your drafts (SCH-03), with the CMP-27 confirmation.
- ``schedule_message``: scheduleMessage: store a new message to send later (SCH-01, SCH-02), with the CMP-27 confirmation.
- ``update_scheduled_message``: updateScheduledMessage: edit a scheduled (or errored) message like a new one (SCH-14).
"""

from __future__ import annotations

import strawberry

from graph.scheduling.mutations.cancel_scheduled_message import CancelScheduledMessageMutation
from graph.scheduling.mutations.schedule_draft import ScheduleDraftMutation
from graph.scheduling.mutations.schedule_message import ScheduleMessageMutation
from graph.scheduling.mutations.update_scheduled_message import UpdateScheduledMessageMutation


@strawberry.type
class ScheduleMutations(ScheduleMessageMutation, ScheduleDraftMutation, UpdateScheduledMessageMutation,
                        CancelScheduledMessageMutation):
    pass
