"""Conversations: threads between two users, each one's lists and read state, and the sender's
view of one recipient.

- ``archive``: Archiving a thread and taking it back (INB-15..INB-20).
- ``draft_assignment``: Assigning a draft to another user (DRF-03..DRF-08, PERM-42, MRG-03): the draft moves to the assignee with the note as its title and a portal alert; assign back in one step.
- ``flags``: Manual flagging of a message the viewer received: flag (confirmed), view while flagged (recorded), unflag (INB-09, INB-10, INB-11).
- ``inactive``: Messages of accounts made inactive: what they sent and nobody read is marked read, unread counts drop (INB-24).
- ``inbox``: The inbox, sent and archive lists: keyset pages of one user's thread sides, with their correspondents (INB-01, INB-04, INB-21).
- ``inbox_events``: Inbox notices: after a change to someone's inbox commits, a small notice goes to each affected user's inboxUpdates subscription.
- ``labels``: How a person in a conversation is shown (name, role label, school), computed when read as SQL columns (INB-23, INB-24).
- ``out_of_office``: Out-of-office settings and their automatic answers (SET-08).
- ``portal_alerts``: Portal alerts: notices on a user's portal until they have seen them (DRF-05).
- ``read_state``: Read state: opening a thread reads it, a message can be marked unread again, read receipts (INB-05, INB-06).
- ``referrals``: Referral requests from a flagged message by a student, published for a partner (INB-09).
- ``replies``: Answering in a thread: the one operation every reply path goes through (INB-14).
- ``reply_rules``: Who may answer in a thread (CMP-16, CMP-18, CMP-21, INB-16, INB-22).
- ``thread_pages``: A thread's messages in both directions, paged by 30 from the ledger's in-app rows, with delivery states (INB-03, INB-05, INB-07).
- ``thread_sides``: Finding a user's side of a thread, the one way every conversation operation reaches a thread.
- ``threads``: Conversations between a sender and one recipient, read from the delivery ledger (RCP-26).
"""
