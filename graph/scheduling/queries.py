"""SCH-06: the scheduledMessages list."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Perm
from domain.scheduling.scheduled_messages import district_zone, kind_of, scheduled_page
from graph.context import Info
from graph.messages.types import Message
from graph.pagination import Connection, connection, decode_cursor, page_size, search_term
from graph.permissions import requires
from graph.scheduling.types import Schedule, ScheduledKind, ScheduledMessage


@strawberry.type
class ScheduleQueries:
    @strawberry.field(**requires(
        "Your scheduled messages, newest first, with their kind, schedule and description; search "
        "matches the subject or the scheduled date (2026-12-04, Dec 4, December) (SCH-06).", Perm.COMMUNICATION))
    def scheduled_messages(self, info: Info, search: str | None = None, first: int = 50,
                           after: str | None = None) -> Connection[ScheduledMessage]:
        first = page_size(first)
        session = info.context.session
        total, rows = scheduled_page(session, info.context.viewer, search=search_term(search),
                                     before_id=decode_cursor("scheduled", after), limit=first + 1)
        zone = district_zone(session)
        return connection("scheduled", rows, [message.id for message, _ in rows], first, total, lambda row: (
            ScheduledMessage(message=Message.from_row(row[0]), kind=ScheduledKind(kind_of(*row)),
                             schedule=Schedule.of(row[1], zone))))
