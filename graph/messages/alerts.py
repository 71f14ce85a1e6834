"""Portal alerts (DRF-05): the viewer's notices, newest first, until seen."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.drafts.portal_alerts import AlertKind, alerts_list, unseen_count
from graph.node import Node
from graph.context import Info
from graph.enum_values import described_enum
from graph.pagination import (
    After,
    Before,
    Connection,
    First,
    keyset_connection,
    Last,
    node_id,
    optional_node_id,
    window,
)
from graph.permissions import requires
from models.conversations import PortalAlert as PortalAlertRow

PortalAlertKind = described_enum(AlertKind, "What a portal alert is about.", {
    AlertKind.DRAFT_ASSIGNED: "A draft was assigned to you; messageId is the draft (DRF-05).",
})


@strawberry.type(description="A notice on your portal, e.g. a draft assigned to you (DRF-05).")
class PortalAlert(Node):
    id: strawberry.ID = strawberry.field(description="The alert's id, for markPortalAlertsSeen.")
    kind: PortalAlertKind = strawberry.field(description="What it is about.")
    text: str = strawberry.field(description="A sentence to show, e.g. who assigned which draft.")
    message_id: strawberry.ID | None = strawberry.field(description=(
        "The draft it is about; draft(id) opens it. Null when it is about no message."))
    created_at: dt.datetime = strawberry.field(description="When it was raised (UTC).")
    seen_at: dt.datetime | None = strawberry.field(description="When you marked it seen (UTC); null while unseen.")

    @classmethod
    def from_row(cls, row: PortalAlertRow) -> PortalAlert:
        return cls(id=node_id(Kind.PORTAL_ALERT, row.id), kind=AlertKind(row.kind), text=row.text,
                   message_id=optional_node_id(Kind.MESSAGE, row.message_id or None),
                   created_at=row.created_at, seen_at=row.seen_at)


@strawberry.type(description="Your portal alerts.")
class PortalAlertConnection(Connection[PortalAlert]):
    viewer_id: strawberry.Private[int]

    @strawberry.field(description="How many of all your alerts you have not seen yet; one statement, only when asked.")
    def unseen_count(self, info: Info) -> int:
        return unseen_count(info.context.session, self.viewer_id)


@strawberry.type
class AlertQueries:
    @strawberry.field(**requires("Your portal alerts, newest first, 30 a page by default (DRF-05); unseenOnly: only those not yet "
                                 "marked seen (markPortalAlertsSeen).", Perm.COMMUNICATION))
    def portal_alerts(self, info: Info, unseen_only: Annotated[bool, strawberry.argument(
            description="Only the alerts not yet marked seen.")] = False, first: First = None, after: After = None,
                      last: Last = None, before: Before = None) -> PortalAlertConnection:
        session, viewer = info.context.session, info.context.viewer
        page = keyset_connection(session, alerts_list(viewer.id, unseen_only=unseen_only), "alert",
                                 window("alert", first, after, last, before, default=30), PortalAlert.from_row)
        return PortalAlertConnection(edges=page.edges, page_info=page.page_info, count=page.count,
                                     viewer_id=viewer.id)
