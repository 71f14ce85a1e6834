"""GraphQL for messages: inputs, types, queries, CSV recipients, what sending shares, mutations/.

- ``alerts``: Portal alerts (DRF-05): the viewer's notices, newest first, until seen.
- ``drafts``: Drafts (DRF-01, DRF-02, DRF-07, CMP-28): the drafts list, one draft reopened with everything saved, and the gated fields the viewer may not change on it.
- ``imports``: CSV recipient import (IMP-*): its input, row errors and payloads, and the importedRecipients list (the mutations are in graph/messages/mutations/).
- ``inputs``: The message input shared by sendMessage, saveDraft, the schedule mutations and recipientPlan.
- ``insert_fields``: The insert-field catalogue an editor offers, searchable across categories (CMP-25, EDT-05).
- ``loaders``: Loaders for a message's relations: each batch of parents costs one statement.
- ``queries``: Message queries: one message with its delivery ledger.
- ``sending``: What sendMessage and sendDraft share (and the schedule mutations, the confirmation): the success and CMP-27 payloads, and the send-now path with its after-commit hand-off.
- ``sms``: smsCount: the composer's live count of an SMS against the district's limit (SMS-04, SYS-03).
- ``types``: Message, delivery and their enums.
- ``mutations/``: Message mutations, one a module; ``MessageMutations`` composes them for graph.schema.
"""
