"""Conversations: threads between a sender and one recipient.

- ``draft_assignment``: Assigning a draft to another user (DRF-03..DRF-08, PERM-42, MRG-03): the draft moves to the assignee with the note as its title and a portal alert; assign back in one step.
- ``portal_alerts``: Portal alerts: notices on a user's portal until they have seen them (DRF-05).
- ``flags``: Manual flagging of a message the viewer received: flag (confirmed), view while flagged (recorded), unflag (INB-09, INB-10, INB-11).
- ``inactive``: Messages of accounts made inactive: what they sent and nobody read is marked read, unread counts drop (INB-24).
- ``referrals``: Referral requests from a flagged message by a student, published for a partner (INB-09).
- ``threads``: Conversations between a sender and one recipient, read from the delivery ledger (RCP-26).
"""
