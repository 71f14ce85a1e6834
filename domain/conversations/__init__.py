"""Conversations: threads between two users, each one's lists and read state, replies from every
path, moderation, and drafts handed between users.

- ``threads/``: the inbox, sent and archive lists, thread pages, read state, archive, inbox notices (INB-01..INB-08, INB-15..INB-21).
- ``replies/``: the one reply operation every path shares, its rules, out-of-office answers (INB-14, INB-22, CMP-21, SET-08).
- ``moderation/``: manual flagging, referrals, inactive accounts' messages (INB-09..INB-11, INB-24).
- ``drafts/``: assigning drafts and the portal alerts it raises (DRF-03..DRF-08).
"""
