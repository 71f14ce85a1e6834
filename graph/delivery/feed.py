"""The delivery feed (issue 16 point 4): ``deliveryEvents`` pages every ledger status change the
viewer may see after a cursor; the ``deliveryEvents`` subscription replays from a cursor and then
streams, so a partner that reconnects with its last cursor misses nothing and sees nothing twice
while the retention holds. Events carry ids, a channel and a status: no names, addresses or bodies.
The rules live in domain/feed/."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncGenerator, Sequence
from typing import Annotated

import strawberry
from graphql import GraphQLError

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.access.scopes import Scope
from domain.feed.follow import FeedFollower
from domain.feed.hub import hub_for
from domain.feed.positions import START, CursorExpired, CursorInvalid, FeedPosition
from domain.feed.reading import SCAN_PER_EVENT, FeedEvent, read_page
from domain.feed.scope import FeedScope
from graph import access_rechecks
from graph.context import Info
from graph.messages.types import Channel, DeliveryReason, DeliveryStatus, delivery_reason
from graph.pagination import MAX_PAGE_SIZE, node_id, optional_node_id, page_size, PageInfo, parse_ids
from graph.permissions import require, require_scope, requires
from graph.shared_results import shared
from graph.thread_limits import subscription_read_threads
from models import messaging as db

REQUIRED = (Perm.COMMUNICATION,)
SCOPES = (Scope.DELIVERIES_READ,)
FeedAfter = Annotated[str | None, strawberry.argument(description=(
    "An event's cursor, or a page's or batch's endCursor: the events after it."))]
FeedSchools = Annotated[list[strawberry.ID] | None, strawberry.argument(description=(
    "Only the events of these schools (School.id) among those the viewer may see; null: all of them. A school "
    "outside the viewer's scope matches nothing."))]
#: A follower's access (the account or key, its permissions, its schools) is checked again this often.
ACCESS_RECHECK_SECONDS = 30.0


@strawberry.type(description="One change of one delivery's status: ids, channel and status, never names, "
                             "addresses or bodies.")
class DeliveryEvent:
    cursor: str = strawberry.field(description="Resume after this event: pass it as `after`.")
    delivery_id: strawberry.ID = strawberry.field(description="The delivery that changed (Delivery.id).")
    message_id: strawberry.ID = strawberry.field(description="The message the delivery belongs to (Message.id).")
    school_id: strawberry.ID | None = strawberry.field(
        description="The student's school, or a staff recipient's first school; null for imported recipients.")
    channel: Channel = strawberry.field(description="The delivery's channel.")
    status: DeliveryStatus = strawberry.field(description="The status the delivery changed to.")
    reason: DeliveryReason | None = strawberry.field(
        description="Why it is not sent, or not yet (as Delivery.reason); null when it went or goes now.")
    detail: str | None = strawberry.field(
        description="What the ledger noted in words with this change (as Delivery.detail); null when nothing was "
                    "noted.")
    occurred_at: dt.datetime = strawberry.field(description="When the change was recorded (UTC).")


@strawberry.type(description="One event of a deliveryEvents page and its cursor.")
class DeliveryEventEdge:
    cursor: str = strawberry.field(description="Resume after this event: pass it as `after` (the same as "
                                               "node.cursor).")
    node: DeliveryEvent = strawberry.field(description="The event.")


@strawberry.type(description="What one frame of the deliveryEvents subscription carries: the events the viewer may "
                             "see that committed together (up to 500), oldest first, and the cursor to resume after.")
class DeliveryEventBatch:
    events: list[DeliveryEvent] = strawberry.field(description="Oldest first; never empty.")
    end_cursor: str = strawberry.field(description=(
        "Resume after this batch: pass it as `after`. Every event up to it was in this batch or an earlier one, "
        "or is not the viewer's, so it may lie past the last event shown (it never makes the client scan "
        "what it cannot see again)."))


def _batch(events: Sequence[FeedEvent], end: FeedPosition) -> DeliveryEventBatch:
    """A frame of the subscription, shared by every subscriber the hub hands it to (graph.shared_results)."""
    return shared(DeliveryEventBatch(events=[_node(event) for event in events], end_cursor=end.cursor))


@strawberry.type(description=(
    "A page of the delivery feed, oldest first. The feed is a stream resumed from a cursor: it pages "
    "forward only (no last/before, hasPreviousPage always false) and has no totalCount."))
class DeliveryEventConnection:
    edges: list[DeliveryEventEdge] = strawberry.field(description="The page's events with their cursors, oldest first.")
    page_info: PageInfo = strawberry.field(description=(
        "endCursor: where the page stopped looking (page on from it); hasNextPage: more of the feed lies beyond it."))

    @strawberry.field(description="The page's events, as edges { node } without cursors.")
    def nodes(self) -> list[DeliveryEvent]:
        return [edge.node for edge in self.edges]


def _node(event: FeedEvent) -> DeliveryEvent:
    return DeliveryEvent(
        cursor=event.position.cursor, delivery_id=node_id(Kind.DELIVERY, event.delivery_id),
        message_id=node_id(Kind.MESSAGE, event.message_id),
        school_id=optional_node_id(Kind.SCHOOL, event.school_id),
        channel=db.Channel(event.channel), status=db.DeliveryStatus(event.status),
        reason=delivery_reason(event.status), detail=event.reason,
        occurred_at=event.occurred_at)


def _after(cursor: str | None) -> FeedPosition | None:
    if cursor is None:
        return None
    try:
        return FeedPosition.parse(cursor)
    except CursorInvalid as error:
        raise GraphQLError(str(error), extensions={"code": "BAD_USER_INPUT", "argument": "after"}) from None


def _schools(schools: list[strawberry.ID] | None) -> frozenset[int] | None:
    return None if schools is None else frozenset(parse_ids(schools, Kind.SCHOOL))


def cursor_expired() -> GraphQLError:
    return GraphQLError("the cursor is older than the delivery feed's retention; start again without one "
                        "(or from a newer cursor)", extensions={"code": "CURSOR_EXPIRED", "argument": "after"})


DESCRIPTION = ("Every change of a delivery's status the viewer may see, oldest first, after the cursor `after`. "
               "A cursor never skips an event, and events are kept for "
               "HOMEROOM_DELIVERY_EVENT_RETENTION_HOURS (a week by default); an older cursor answers "
               "CURSOR_EXPIRED. A partner key sees the events of its schools; a user, those of the messages whose "
               "report they may read (their recipients in the viewer's scope for another's message). `schools` "
               "narrows further.")


QUERY_DESCRIPTION = (
    f" Without `after`, from the oldest event kept. `first` is 1 to {MAX_PAGE_SIZE}, as every list's page. "
    "A page looks at no more than "
    f"{SCAN_PER_EVENT} x `first` events of the feed, the viewer's or not. `endCursor` is where it stopped looking: "
    "past the events the viewer may not see (a quiet key's cursor keeps up with a busy district and outlives the "
    "retention), never past one that has yet to commit. So a page may hold fewer than `first` events, even none, "
    "while `hasNextPage` is true: page on with `endCursor`. With nothing new, `endCursor` is the cursor passed in.")


@strawberry.type
class FeedQueries:
    @strawberry.field(**requires(DESCRIPTION + QUERY_DESCRIPTION, *REQUIRED, scopes=SCOPES))
    def delivery_events(self, info: Info, after: FeedAfter = None, schools: FeedSchools = None,
                        first: Annotated[int, strawberry.argument(description=(
                            f"The most events on the page, 1 to {MAX_PAGE_SIZE}."))] = 100) -> DeliveryEventConnection:
        page_size(first)
        start = _after(after) or START
        scope = FeedScope(info.context.viewer, _schools(schools))
        try:
            page = read_page(info.context.session, after=start, scope=scope, limit=first, scan=SCAN_PER_EVENT * first)
        except CursorExpired:
            raise cursor_expired() from None
        edges = [DeliveryEventEdge(cursor=event.position.cursor, node=_node(event)) for event in page.events]
        # Where the page stopped looking, not its last edge: a cursor kept at the viewer's last event
        # would fall behind retention while the viewer's schools are quiet (and rescan the same events).
        end_cursor = page.looked_to.cursor if page.looked_to is not None else after
        return DeliveryEventConnection(edges=edges, page_info=PageInfo(
            start_cursor=edges[0].cursor if edges else None, end_cursor=end_cursor, next_flag=page.has_more,
            previous_flag=False))


class _AccessEnded(Exception):
    pass


@strawberry.type
class FeedSubscriptions:
    @strawberry.subscription(**requires(
        DESCRIPTION + " Replays from `after`, then streams the changes as they commit, a batch per frame (the "
        "events that committed together, up to 500): a client that reconnects with the `endCursor` of the last "
        "batch it received (or the cursor of its last event) misses nothing and sees nothing twice. "
        "Without `after` it starts now. Access is checked again while it runs; the connection closes (4403) "
        "when the credential is revoked or the account deactivated.", *REQUIRED, scopes=SCOPES))
    async def delivery_events(self, info: Info, after: FeedAfter = None,
                              schools: FeedSchools = None) -> AsyncGenerator[DeliveryEventBatch, None]:
        context = info.context
        wanted = _schools(schools)
        state = {"scope": FeedScope(context.viewer, wanted), "checked": time.monotonic()}

        async def authorize() -> FeedScope:
            """The scope as it stands, checked again every ACCESS_RECHECK_SECONDS (as messageProgress does)."""
            if time.monotonic() - state["checked"] >= ACCESS_RECHECK_SECONDS:
                viewer = await access_rechecks.fresh_viewer(context)
                if viewer is None:
                    await context.revoke_access("the credential or the account is no longer valid")
                    raise _AccessEnded
                require_scope(viewer, SCOPES)
                require(viewer, *REQUIRED)  # FORBIDDEN ends the subscription with an error
                state["scope"], state["checked"] = FeedScope(viewer, wanted), time.monotonic()
            return state["scope"]

        follower = FeedFollower(context.engine, hub_for(context.engine, context.events), after=_after(after),
                                authorize=authorize, limiter=subscription_read_threads(), present=_batch)
        try:
            async for batch in follower.events():
                yield batch
        except CursorExpired:
            raise cursor_expired() from None
        except _AccessEnded:
            return
