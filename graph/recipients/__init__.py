"""GraphQL for recipients: the dry-run plan.

- ``plan``: recipientPlan: who a message input would reach, and who not and why, without sending.
"""
