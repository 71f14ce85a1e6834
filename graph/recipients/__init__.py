"""GraphQL for recipients: the dry-run plan.

- ``queries``: recipientPlan: who a message input would reach, and who not and why, without sending.
- ``types``: Recipient plan types: who a message input would reach, and who not and why.
"""
