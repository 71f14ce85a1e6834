"""GraphQL for telephony: caller IDs and test calls.

- ``inputs``: Caller ID inputs: one number, and the columns of a CSV of them (CID-01, CID-06, CID-08).
- ``queries``: Caller ID queries: every number (CID-01), and the numbers a sender may put on a call (VOI-03).
- ``types``: Caller ID types (CID-*, VOI-03).
- ``mutations/``: Telephony mutations, one a module; ``TelephonyMutations`` composes them for graph.schema.
"""
