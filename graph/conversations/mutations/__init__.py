"""Conversation mutations, one a module; ``ConversationMutations`` composes them for graph.schema.

- ``mark_message_unread``: markMessageUnread: one message you received back to unread (INB-06).
- ``open_thread``: openThread: read one of your threads: its most recent page as it stood, then everything in it read (INB-05).
"""

from __future__ import annotations

import strawberry

from graph.conversations.mutations.mark_message_unread import MarkMessageUnreadMutation
from graph.conversations.mutations.open_thread import OpenThreadMutation


@strawberry.type
class ConversationMutations(OpenThreadMutation, MarkMessageUnreadMutation):
    pass
