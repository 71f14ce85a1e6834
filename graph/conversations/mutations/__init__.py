"""Conversation mutations, one a module; ``ConversationMutations`` composes them for graph.schema.

- ``reply_in_thread``: replyInThread: answer in one of your threads now, or schedule the answer (INB-14).
- ``continue_thread_as_compose``: continueThreadAsCompose: a draft that continues a thread (INB-14).
- ``archive_thread``: archiveThread: move a thread to the archive (INB-15..INB-17).
- ``unarchive_thread``: unarchiveThread: return it for everyone you archived it for (INB-18).
"""

from __future__ import annotations

import strawberry

from graph.conversations.mutations.archive_thread import ArchiveThreadMutation
from graph.conversations.mutations.continue_thread_as_compose import ContinueThreadAsComposeMutation
from graph.conversations.mutations.reply_in_thread import ReplyInThreadMutation
from graph.conversations.mutations.unarchive_thread import UnarchiveThreadMutation


@strawberry.type
class ConversationMutations(ReplyInThreadMutation, ContinueThreadAsComposeMutation, ArchiveThreadMutation,
                            UnarchiveThreadMutation):
    pass
