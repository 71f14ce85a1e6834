"""Conversation mutations, one a module; ``ConversationMutations`` composes them for graph.schema.

- ``archive_thread``: archiveThread: move a thread to the archive (INB-15..INB-17).
- ``continue_thread_as_compose``: continueThreadAsCompose: a draft that continues a thread (INB-14).
- ``flag_message``: flagMessage: hide a message you received behind the placeholder for every reader (INB-09, INB-10).
- ``mark_message_unread``: markMessageUnread: one message you received back to unread (INB-06).
- ``open_thread``: openThread: read one of your threads: its most recent page as it stood, then everything in it read (INB-05).
- ``reply_in_thread``: replyInThread: answer in one of your threads now, or schedule the answer (INB-14).
- ``request_referral``: requestReferral: ask for a referral about the student who wrote a flagged message you received.
- ``unarchive_thread``: unarchiveThread: return it for everyone you archived it for (INB-18).
- ``unflag_message``: unflagMessage: show a flagged message you received again (INB-09, INB-11).
- ``view_flagged_message``: viewFlaggedMessage: read the content of a flagged message you received, recorded (INB-09).
"""

from __future__ import annotations

import strawberry

from graph.conversations.mutations.archive_thread import ArchiveThreadMutation
from graph.conversations.mutations.continue_thread_as_compose import ContinueThreadAsComposeMutation
from graph.conversations.mutations.flag_message import FlagMessageMutation
from graph.conversations.mutations.mark_message_unread import MarkMessageUnreadMutation
from graph.conversations.mutations.open_thread import OpenThreadMutation
from graph.conversations.mutations.reply_in_thread import ReplyInThreadMutation
from graph.conversations.mutations.request_referral import RequestReferralMutation
from graph.conversations.mutations.unarchive_thread import UnarchiveThreadMutation
from graph.conversations.mutations.unflag_message import UnflagMessageMutation
from graph.conversations.mutations.view_flagged_message import ViewFlaggedMessageMutation


@strawberry.type
class ConversationMutations(OpenThreadMutation, MarkMessageUnreadMutation, ReplyInThreadMutation,
                            ContinueThreadAsComposeMutation, ArchiveThreadMutation, UnarchiveThreadMutation,
                            FlagMessageMutation, ViewFlaggedMessageMutation, UnflagMessageMutation,
                            RequestReferralMutation):
    pass
