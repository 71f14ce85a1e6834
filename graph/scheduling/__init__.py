"""GraphQL for scheduled messages.

- ``inputs``: The schedule input of scheduleMessage, scheduleDraft and updateScheduledMessage (SCH-01, SCH-02).
- ``queries``: SCH-06: the scheduledMessages list.
- ``types``: Scheduled message types (SCH-*): the schedule, the scheduled list's rows, the saved payload.
- ``mutations/``: Scheduled-message mutations, one a module; ``ScheduleMutations`` composes them for graph.schema.
"""
