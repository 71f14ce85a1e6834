"""Conversations: threads between a sender and one recipient.

- ``archive``: Archiving a thread and taking it back (INB-15..INB-20).
- ``inbox_events``: Inbox notices after a change commits.
- ``out_of_office``: Out-of-office settings and their automatic answers (SET-08).
- ``replies``: Answering in a thread: the one operation every reply path goes through (INB-14).
- ``reply_rules``: Who may answer in a thread (CMP-16, CMP-18, CMP-21, INB-16, INB-22).
- ``thread_sides``: Finding a user's side of a thread.
- ``threads``: Conversations between a sender and one recipient, read from the delivery ledger (RCP-26).
"""
