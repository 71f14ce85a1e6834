"""markPortalAlertsSeen: the viewer has seen these portal alerts (DRF-05)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.support.global_ids import Kind
from domain.access.permissions import Perm
from domain.conversations.drafts.portal_alerts import mark_seen, unseen_count
from graph.context import Info
from graph.errors import perform
from graph.pagination import parse_ids
from graph.permissions import requires


@strawberry.type(description="How many alerts were marked seen now, and how many remain unseen.")
class MarkPortalAlertsSeenResult:
    marked_count: int = strawberry.field(description="Alerts marked seen by this call (not those already seen).")
    unseen_count: int = strawberry.field(description="Your alerts still unseen.")


def mark_portal_alerts_seen(info: Info, ids: Annotated[list[strawberry.ID], strawberry.argument(
        description="The alerts (PortalAlert.id).")]) -> MarkPortalAlertsSeenResult:
    session, viewer = info.context.session, info.context.viewer

    def action():
        return mark_seen(session, info.context.events, user_id=viewer.id, alert_ids=parse_ids(ids, Kind.PORTAL_ALERT))
    return perform(info, action, done=lambda marked: MarkPortalAlertsSeenResult(
        marked_count=marked, unseen_count=unseen_count(session, viewer.id)))


@strawberry.type
class MarkPortalAlertsSeenMutation:
    mark_portal_alerts_seen: MarkPortalAlertsSeenResult = strawberry.mutation(
        resolver=mark_portal_alerts_seen,
        **requires("Mark your portal alerts with these ids seen; ids that are not yours (or already seen) are "
                   "ignored.", Perm.COMMUNICATION),
    )
