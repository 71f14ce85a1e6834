"""GraphQL for telephony: caller IDs and trial calls.

- ``caller_ids``: Caller ID phone numbers (CID-*): the list and its management for PERM-40, and the numbers a sender may put on a call (VOI-03).
"""
