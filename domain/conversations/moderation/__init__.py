"""Moderation: manual flagging, referrals, and what the messages of inactive accounts become.

- ``flags``: Manual flagging of a message the viewer received: flag (confirmed), view while flagged (recorded), unflag (INB-09, INB-10, INB-11).
- ``referrals``: Referral requests from a flagged message by a student, published for a partner (INB-09).
- ``inactive``: Messages of accounts made inactive: what they sent and nobody read is marked read, unread counts drop (INB-24).
"""
