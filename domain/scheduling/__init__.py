"""Scheduling: scheduled messages and when they are due.

- ``due_sends``: What a queue run sends of the scheduled messages (SCH-*): each due occurrence, copied from its template and sent, and the schedule moved on to its next occurrence.
- ``rules``: Schedule rules (SCH-01, SCH-02, SCH-08, SCH-09): when a scheduled message is due, and how to say it.
- ``scheduled_messages``: Scheduled messages (SCH-*): schedule, edit, reschedule, cancel, list (what a queue run sends of them is in domain.scheduling.due_sends).
"""
