"""Scheduling: scheduled messages, when they are due, and wall-clock times of a time zone.

- ``rules``: Schedule rules (SCH-01, SCH-02, SCH-08, SCH-09): when a scheduled message is due, and how to say it.
- ``scheduled_messages``: Scheduled messages (SCH-*): schedule, edit, reschedule, cancel, and what a queue run sends.
- ``wall_clock``: Wall-clock times of a district's time zone as instants, correct across daylight-saving changes.
"""
