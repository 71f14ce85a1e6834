"""Portal alerts (DRF-05): the viewer's notices, newest first, until seen."""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.access.permissions import Perm
from domain.conversations.drafts.portal_alerts import AlertKind, alerts_page, unseen_count
from graph.context import Info
from graph.pagination import Connection, Edge, PageInfo, decode_cursor, encode_cursor, page_size
from graph.permissions import requires
from models.conversations import PortalAlert as PortalAlertRow

PortalAlertKind = strawberry.enum(AlertKind, description="What a portal alert is about.")


@strawberry.type(description="A notice on your portal, e.g. a draft assigned to you (DRF-05).")
class PortalAlert:
    id: strawberry.ID
    kind: PortalAlertKind
    text: str
    message_id: strawberry.ID | None = strawberry.field(description="The draft it is about; draft(id) opens it.")
    created_at: dt.datetime
    seen_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: PortalAlertRow) -> PortalAlert:
        return cls(id=strawberry.ID(str(row.id)), kind=AlertKind(row.kind), text=row.text,
                   message_id=strawberry.ID(str(row.message_id)) if row.message_id else None,
                   created_at=row.created_at, seen_at=row.seen_at)


@strawberry.type(description="Your portal alerts.")
class PortalAlertConnection(Connection[PortalAlert]):
    unseen_count: int = strawberry.field(description="How many of all your alerts you have not seen yet.")


@strawberry.type
class AlertQueries:
    @strawberry.field(**requires("Your portal alerts, newest first (DRF-05); unseenOnly: only those not yet "
                                 "marked seen (markPortalAlertsSeen).", Perm.COMMUNICATION))
    def portal_alerts(self, info: Info, unseen_only: bool = False, first: int = 30,
                      after: str | None = None) -> PortalAlertConnection:
        session, viewer = info.context.session, info.context.viewer
        first = page_size(first)
        total, rows = alerts_page(session, viewer.id, unseen_only=unseen_only,
                                  before_id=decode_cursor("alert", after), limit=first + 1)
        edges = [Edge(cursor=encode_cursor("alert", row.id), node=PortalAlert.from_row(row)) for row in rows[:first]]
        return PortalAlertConnection(
            edges=edges, total_count=total, unseen_count=unseen_count(session, viewer.id),
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None))
