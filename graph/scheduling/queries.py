"""SCH-06: the scheduledMessages list."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.scheduling.scheduled_messages import district_zone, kind_of, scheduled_list
from graph.context import Info
from graph.messages.message import Message
from graph.pagination import After, Before, Connection, First, Last, keyset_connection, search_term, window
from graph.permissions import requires
from graph.scheduling.types import Schedule, ScheduledKind, ScheduledMessage


@strawberry.type
class ScheduleQueries:
    @strawberry.field(**requires(
        "Your scheduled messages, newest first (50 a page by default), with their kind, schedule and description; search "
        "matches the subject or the scheduled date (2026-12-04, Dec 4, December) (SCH-06).", Perm.COMMUNICATION))
    def scheduled_messages(self, info: Info, search: Annotated[str | None, strawberry.argument(description=(
            "Text the subject or the scheduled date contains, case-insensitive; null or blank: every "
            "one."))] = None, first: First = None, after: After = None,
                           last: Last = None, before: Before = None) -> Connection[ScheduledMessage]:
        session = info.context.session
        listing = scheduled_list(session, info.context.viewer, search=search_term(search))
        page = window("scheduled", first, after, last, before, default=50)
        zone = district_zone(session)
        return keyset_connection(session, listing, "scheduled", page, lambda row: (
            ScheduledMessage(message=Message.from_row(row[0]), kind=ScheduledKind(kind_of(*row)),
                             schedule=Schedule.of(row[1], zone))))
