"""inboxUpdates: the viewer's inbox changes (new messages, read state, archive, flags, alerts) and
unread total, live over WebSocket (graphql-transport-ws), from any API process (INB-02).

The notices come from the bus (domain.conversations.threads.inbox_events.announce, and fan-out for new
messages) on the viewer's own channel; each is authorized again against the database before it
is forwarded (domain.conversations.threads.inbox_updates), so another user's thread or a message outside
the viewer's thread never reaches them, and no content ever travels.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator

import anyio
import strawberry
from sqlmodel import Session

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.access.viewer import load_viewer
from domain.conversations.threads import inbox_updates
from domain.conversations.threads.inbox_events import InboxChange as DomainInboxChange
from domain.support.errors import AuthenticationError
from graph.context import Info
from graph.enum_values import describe_values
from graph.permissions import require, requires
from graph.thread_limits import subscription_read_threads
from graph.pagination import optional_node_id

#: What subscribing needs; checked again at each event, with the rest of the viewer's access.
REQUIRED = (Perm.COMMUNICATION,)

InboxChange = describe_values(strawberry.enum(DomainInboxChange, name="InboxChange",
                                              description="What changed in the viewer's inbox."), {
    DomainInboxChange.MESSAGE: "A message arrived in one of the viewer's threads.",
    DomainInboxChange.READ: "Messages were read or marked unread.",
    DomainInboxChange.ARCHIVE: "A thread was archived or unarchived.",
    DomainInboxChange.FLAG: "A message was flagged or unflagged.",
    DomainInboxChange.ALERT: "A portal alert: a draft was assigned to the viewer (DRF-05).",
})


@strawberry.type(description="A change in the viewer's inbox: where, never what (no content), and the unread total.")
class InboxUpdate:
    change: InboxChange | None = strawberry.field(
        description="Null on the first event (the state when subscribing) and after notices may have been lost.")
    thread_id: strawberry.ID | None = strawberry.field(description="The viewer's thread it concerns, if one.")
    message_id: strawberry.ID | None = strawberry.field(description="The message it concerns, if one.")
    unread_total: int = strawberry.field(
        description="The viewer's unread messages over the threads not archived, as of this event (INB-02).")

    @classmethod
    def of(cls, update: inbox_updates.InboxUpdate) -> InboxUpdate:
        return cls(change=update.change,
                   thread_id=optional_node_id(Kind.THREAD, update.thread_id or None),
                   message_id=optional_node_id(Kind.MESSAGE, update.message_id or None),
                   unread_total=update.unread_total)


class _AccessEnded(enum.Enum):
    ACCOUNT_INACTIVE = "the account is no longer active"


def _read(engine, user_id: int, notice: dict | None) -> inbox_updates.InboxUpdate | _AccessEnded | None:
    """One read, on a session closed before the next event: the account is active and still has
    REQUIRED (else FORBIDDEN), then what the notice may tell them (None: nothing of theirs)."""
    with Session(engine) as session:
        try:
            viewer = load_viewer(session, user_id)
        except AuthenticationError:
            return _AccessEnded.ACCOUNT_INACTIVE
        require(viewer, *REQUIRED)
        return inbox_updates.authorized_update(session, user_id, notice)


@strawberry.type
class InboxSubscriptions:
    @strawberry.subscription(**requires(
        "The viewer's inbox, live: first the unread total, then an event for each change to the "
        "viewer's inbox (a new message, read changes, archive, flags, assignment alerts) with the new "
        "unread total, from whichever API process or worker made it. Only the viewer's own threads, "
        "never content; access is checked again at each event, and the connection closes (4403) "
        "when the token expires or the account is deactivated.",
        *REQUIRED))
    async def inbox_updates(self, info: Info) -> AsyncGenerator[InboxUpdate, None]:
        context = info.context
        user_id = context.viewer.id
        async with context.events.subscribe_inbox(user_id) as notices:  # listening before the first read
            notice, last_total = None, None
            while True:
                update = await anyio.to_thread.run_sync(_read, context.engine, user_id, notice,
                                                        limiter=subscription_read_threads())
                if update is _AccessEnded.ACCOUNT_INACTIVE:
                    await context.revoke_access(update.value)
                    return
                # A notice of nothing of theirs is dropped; a resync (change None) says only a new total.
                if update is not None and (update.change is not None or update.unread_total != last_total):
                    last_total = update.unread_total
                    yield InboxUpdate.of(update)
                notice = await notices.get()
