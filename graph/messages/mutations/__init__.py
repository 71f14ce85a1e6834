"""Message mutations, one a module; ``MessageMutations`` composes them for graph.schema.

- ``import_recipients``: importRecipients: external recipients from a CSV file into one of your drafts (IMP-01..IMP-06).
- ``recall_message``: recallMessage: cancel what of one of your messages is not yet with a provider, and wait for what is (domain.messages.recall).
- ``remove_all_imported_recipients``: removeAllImportedRecipients: take every CSV-imported recipient off one of your drafts (IMP-05).
- ``remove_imported_recipient``: removeImportedRecipient: take one CSV-imported recipient off one of your drafts (IMP-05).
- ``save_draft``: saveDraft: compose now, send later (CMP-28).
- ``send_draft``: sendDraft: send one of your drafts now, with its CSV-imported recipients (CMP-28).
- ``send_message``: sendMessage: authorize every gated option, validate, confirm the count, store; the hand-on job starts after the commit.
- ``set_flagged_words``: setFlaggedWords: the district's flagged-words list (INB-11, INB-12), district administration.
"""

from __future__ import annotations

import strawberry

from graph.messages.mutations.import_recipients import ImportRecipientsMutation
from graph.messages.mutations.recall_message import RecallMessageMutation
from graph.messages.mutations.remove_all_imported_recipients import RemoveAllImportedRecipientsMutation
from graph.messages.mutations.remove_imported_recipient import RemoveImportedRecipientMutation
from graph.messages.mutations.save_draft import SaveDraftMutation
from graph.messages.mutations.send_draft import SendDraftMutation
from graph.messages.mutations.send_message import SendMessageMutation
from graph.messages.mutations.set_flagged_words import SetFlaggedWordsMutation


@strawberry.type
class MessageMutations(SendMessageMutation, SaveDraftMutation, SendDraftMutation, ImportRecipientsMutation,
                       RemoveImportedRecipientMutation, RemoveAllImportedRecipientsMutation, RecallMessageMutation,
                       SetFlaggedWordsMutation):
    pass
