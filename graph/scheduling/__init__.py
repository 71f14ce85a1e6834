"""GraphQL for scheduled messages.

- ``schedules``: Scheduled messages (SCH-*): scheduleMessage, scheduleDraft, updateScheduledMessage, cancelScheduledMessage and the scheduledMessages list.
"""
