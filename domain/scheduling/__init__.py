"""Scheduling: scheduled messages and when they are due.

- ``rules``: Schedule rules (SCH-01, SCH-02, SCH-08, SCH-09): when a scheduled message is due, and how to say it.
- ``scheduled_messages``: Scheduled messages (SCH-*): schedule, edit, reschedule, cancel, and what a queue run sends.
"""
