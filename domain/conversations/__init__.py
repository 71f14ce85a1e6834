"""Conversations: threads between a sender and one recipient.

- ``threads``: Conversations between a sender and one recipient, read from the delivery ledger (RCP-26).
"""
