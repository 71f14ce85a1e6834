"""Message mutations, one a module; ``MessageMutations`` composes them for graph.schema.

- ``assign_draft``: assignDraft: hand one of your drafts to another user with a note (DRF-03..DRF-06, PERM-42, MRG-03).
- ``assign_draft_back``: assignDraftBack: hand a draft assigned to you back to whoever assigned it, in one step (DRF-08).
- ``discard_draft``: discardDraft: remove one of your drafts without delivering anything (CMP-29).
- ``import_recipients``: importRecipients: external recipients from a CSV file into one of your drafts or scheduled messages (IMP-01..IMP-06).
- ``mark_portal_alerts_seen``: markPortalAlertsSeen: the viewer has seen these portal alerts (DRF-05).
- ``recall_message``: recallMessage: cancel what of one of your messages is not yet with a provider, and wait for what is (domain.messages.recall).
- ``remove_all_imported_recipients``: removeAllImportedRecipients: take every CSV-imported recipient off one of your drafts (IMP-05).
- ``remove_imported_recipient``: removeImportedRecipient: take one CSV-imported recipient off one of your drafts (IMP-05).
- ``save_draft``: saveDraft: compose now, send later (CMP-28); with an id, save one of your drafts again in place (DRF-02), its read-only fields kept (DRF-07).
- ``send_draft``: sendDraft: send one of your drafts now, with its CSV-imported recipients (CMP-28).
- ``send_message``: sendMessage: authorize every gated option, validate, confirm the count, store; the hand-on job starts after the commit.
- ``set_flagged_words``: setFlaggedWords: the district's flagged-words list (INB-11, INB-12), district administration.
"""

from __future__ import annotations

import strawberry

from graph.messages.mutations.assign_draft import AssignDraftMutation
from graph.messages.mutations.assign_draft_back import AssignDraftBackMutation
from graph.messages.mutations.discard_draft import DiscardDraftMutation
from graph.messages.mutations.import_recipients import ImportRecipientsMutation
from graph.messages.mutations.mark_portal_alerts_seen import MarkPortalAlertsSeenMutation
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
                       SetFlaggedWordsMutation, DiscardDraftMutation, AssignDraftMutation, AssignDraftBackMutation,
                       MarkPortalAlertsSeenMutation):
    pass
