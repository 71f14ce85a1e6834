"""Conversations: threads between a sender and one recipient.

- ``draft_assignment``: Assigning a draft to another user (DRF-03..DRF-08, PERM-42, MRG-03): the draft moves to the assignee with the note as its title and a portal alert; assign back in one step.
- ``portal_alerts``: Portal alerts: notices on a user's portal until they have seen them (DRF-05).
- ``flags``: Manual flagging of a message the viewer received: flag (confirmed), view while flagged (recorded), unflag (INB-09, INB-10, INB-11).
- ``inactive``: Messages of accounts made inactive: what they sent and nobody read is marked read, unread counts drop (INB-24).
- ``referrals``: Referral requests from a flagged message by a student, published for a partner (INB-09).
- ``archive``: Archiving a thread and taking it back (INB-15..INB-20).
- ``inbox_events``: Inbox notices after a change commits.
- ``out_of_office``: Out-of-office settings and their automatic answers (SET-08).
- ``replies``: Answering in a thread: the one operation every reply path goes through (INB-14).
- ``reply_rules``: Who may answer in a thread (CMP-16, CMP-18, CMP-21, INB-16, INB-22).
- ``thread_sides``: Finding a user's side of a thread.
- ``threads``: Conversations between a sender and one recipient, read from the delivery ledger (RCP-26).
"""
