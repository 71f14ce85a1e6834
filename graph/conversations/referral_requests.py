"""Referral requests: the type, and the referralRequests subscription a partner's behaviour module
listens to (INB-09, PERM-41, PERM-57). The bus carries ids only; each event is read back from the
database with the subscriber's access checked again."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator

import anyio
import strawberry
from sqlmodel import Session

from domain.support.global_ids import Kind, pk_of
from domain.access.permissions import Perm
from domain.access.viewer import load_viewer
from domain.conversations.moderation.referrals import visible_referral
from domain.support.errors import AuthenticationError
from graph.context import Info
from graph.permissions import require, requires
from graph.thread_limits import subscription_read_threads
from models import conversations as db
from graph.pagination import node_id

#: What subscribing needs; checked again at each event.
REQUIRED = (Perm.COMMUNICATION, Perm.CREATE_REFERRALS)


@strawberry.type(description="A referral asked for from a flagged message whose author is a student (INB-09). "
                             "It never carries the message's content.")
class ReferralRequest:
    id: strawberry.ID = strawberry.field(description="The referral request's id.")
    message_id: strawberry.ID = strawberry.field(description="The flagged message it was asked from.")
    student_id: strawberry.ID = strawberry.field(description="The student who wrote the message, whom the referral "
                                                             "concerns.")
    requested_by_id: strawberry.ID = strawberry.field(description="The user who asked for it.")
    note: str | None = strawberry.field(description="The requester's note; null when none was written.")
    created_at: dt.datetime = strawberry.field(description="When it was asked for (UTC).")

    @classmethod
    def from_row(cls, row: db.ReferralRequest) -> ReferralRequest:
        return cls(id=node_id(Kind.REFERRAL_REQUEST, row.id), message_id=node_id(Kind.MESSAGE, row.message_id),
                   student_id=node_id(Kind.STUDENT, row.student_id),
                   requested_by_id=node_id(Kind.USER, row.requested_by_id), note=row.note or None,
                   created_at=row.created_at)


_ACCOUNT_ENDED = object()


def _read(engine, user_id: int, referral_id: int) -> ReferralRequest | object | None:
    """The referral as the subscriber may see it, None when it is outside their scope."""
    with Session(engine) as session:
        try:
            viewer = load_viewer(session, user_id)
        except AuthenticationError:
            return _ACCOUNT_ENDED
        require(viewer, *REQUIRED)  # FORBIDDEN
        row = visible_referral(session, viewer, referral_id)
        return ReferralRequest.from_row(row) if row is not None else None


@strawberry.type
class ReferralSubscriptions:
    @strawberry.subscription(**requires(
        "Each referral request made from now on about a student in the viewer's scope (every student for a "
        "district administrator), as it is committed: what a partner's behaviour module consumes. The same "
        "event, ids only, is published on the Redis channel homeroom:<redis db>:referrals (docs/graphql.md).",
        *REQUIRED))
    async def referral_requests(self, info: Info) -> AsyncGenerator[ReferralRequest, None]:
        context = info.context
        user_id = context.viewer.id
        async with context.events.subscribe_referrals() as events:
            while True:
                event = await events.get()
                referral_id = (pk_of(event.get("referralId"), Kind.REFERRAL_REQUEST)
                               if isinstance(event, dict) else None)
                if referral_id is None:
                    continue
                current = await anyio.to_thread.run_sync(_read, context.engine, user_id, referral_id,
                                                         limiter=subscription_read_threads())
                if current is _ACCOUNT_ENDED:
                    await context.revoke_access("the account is no longer active")
                    return
                if current is not None:
                    yield current
