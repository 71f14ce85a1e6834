"""Threads between two users: each one's lists, pages, read state and archive, and the inbox notices.

- ``archive``: Archiving a thread and taking it back (INB-15..INB-20).
- ``inbox``: The inbox, sent and archive lists: keyset pages of one user's thread sides, with their correspondents (INB-01, INB-04, INB-21).
- ``inbox_events``: Inbox notices: after a change to someone's inbox commits, a small notice goes to each affected user's inboxUpdates subscription.
- ``inbox_updates``: What an inbox notice may tell its subscriber: the viewer's own thread and message, and the unread total (INB-02).
- ``labels``: How a person in a conversation is shown (name, role label, school), computed when read as SQL columns (INB-23, INB-24).
- ``read_state``: Read state: opening a thread reads it, a message can be marked unread again, read receipts (INB-05, INB-06).
- ``thread_pages``: A thread's messages in both directions, paged by 30 from the ledger's in-app rows, with delivery states (INB-03, INB-05, INB-07).
- ``thread_sides``: Finding a user's side of a thread, the one way every conversation operation reaches a thread.
- ``recipient_thread``: Conversations between a sender and one recipient, read from the delivery ledger (RCP-26).
"""
