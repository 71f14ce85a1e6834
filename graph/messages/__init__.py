"""GraphQL for messages: inputs, types, queries, drafts, CSV recipients, flagged words, mutations/.

- ``drafts``: saveDraft and sendDraft: compose now, send later (CMP-28, with CSV-imported recipients).
- ``flagged_words``: The district's flagged-words list (INB-11, INB-12): district administration.
- ``imports``: CSV recipient import (IMP-*): import, list, remove one, remove all.
- ``inputs``: The message input shared by sendMessage and recipientPlan, and its errors.
- ``loaders``: Loaders for a message's files and delivery counts (one statement per batch).
- ``insert_fields``: The insert fields an editor offers (CMP-25).
- ``queries``: Message queries.
- ``sms``: smsCount: the composer's live count of an SMS against the district's limit (SMS-04, SYS-03).
- ``types``: Message, delivery and their enums.
- ``mutations/``:
"""
