"""Conversation mutations, one a module; ``ConversationMutations`` composes them for graph.schema.

- ``flag_message``: flagMessage: hide a message you received behind the placeholder for every reader (INB-09, INB-10).
- ``request_referral``: requestReferral: ask for a referral about the student who wrote a flagged message you received.
- ``unflag_message``: unflagMessage: show a flagged message you received again (INB-09, INB-11).
- ``view_flagged_message``: viewFlaggedMessage: read the content of a flagged message you received, recorded (INB-09).
"""

from __future__ import annotations

import strawberry

from graph.conversations.mutations.flag_message import FlagMessageMutation
from graph.conversations.mutations.request_referral import RequestReferralMutation
from graph.conversations.mutations.unflag_message import UnflagMessageMutation
from graph.conversations.mutations.view_flagged_message import ViewFlaggedMessageMutation


@strawberry.type
class ConversationMutations(FlagMessageMutation, ViewFlaggedMessageMutation, UnflagMessageMutation,
                            RequestReferralMutation):
    pass
