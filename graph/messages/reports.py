"""The communication report (RPT-*): communicationReport, resendToFailed; the CSV export is an
HTTP route (homeroom.app)."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from domain.lanes import lane_of
from domain.permissions import Perm
from domain.reports import ReportFilter, report_page, resend_failed
from graph.context import Info
from graph.messages.types import DeliveryStatusCount, Message
from graph.pagination import Connection, connection, decode_cursor, page_size, parse_id
from graph.permissions import requires
from models import messaging as db


@strawberry.enum(description="RPT-03: who a message is from.")
class MessageSource(enum.Enum):
    USER = "USER"
    SCHOOL = "SCHOOL"
    DISTRICT = "DISTRICT"


@strawberry.enum(description="RPT-04: what kind of communication a report row is.")
class CommunicationType(enum.Enum):
    MESSAGE = "MESSAGE"


@strawberry.type(description="RPT-01: one sent communication and its figures.")
class CommunicationReportRow:
    message: Message = strawberry.field(description="The message, with its content and its deliveries.")
    type: CommunicationType
    sent_at: dt.datetime
    source: MessageSource
    from_name: str = strawberry.field(description="The school's or district's name, or the sender's (RPT-03).")
    sender_name: str
    recipients: int = strawberry.field(description="People reached, each once.")
    total: int = strawberry.field(description="Deliveries, every channel and outcome.")
    errors: int = strawberry.field(description="Deliveries that FAILED.")
    status_counts: list[DeliveryStatusCount] = strawberry.field(
        description="Deliveries per status, DUPLICATE and NO_CONTACT_INFO included (RPT-02).")
    emergency: bool
    flagged: bool = strawberry.field(description="Always false until message flagging exists.")


@strawberry.input(description="Narrow the communication report.")
class CommunicationReportFilter:
    sent_from: dt.datetime | None = None
    sent_to: dt.datetime | None = None
    sender_id: strawberry.ID | None = None
    emergency: bool | None = None
    search: str | None = strawberry.field(default=None, description="Part of the subject or the sender's name.")


@strawberry.type(description="The message's failed deliveries are queued again.")
class ResendToFailedResult:
    message: Message | None
    requeued: int


@strawberry.type
class ReportQueries:
    @strawberry.field(**requires(
        "RPT-01: every sent message the viewer may read, newest first, with type, date, source, sender, recipients, "
        "total, errors, counts per status, and the emergency and flagged marks. Per-recipient rows: "
        "message(id).deliveries; CSV: GET /reports/messages/{id}/deliveries.csv with the same bearer token.",
        Perm.COMMUNICATION))
    def communication_report(self, info: Info, filter: CommunicationReportFilter | None = None, first: int = 50,
                             after: str | None = None) -> Connection[CommunicationReportRow]:
        first = page_size(first)
        chosen = filter or CommunicationReportFilter()
        report_filter = ReportFilter(
            sent_from=chosen.sent_from, sent_to=chosen.sent_to,
            sender_id=parse_id(chosen.sender_id, "senderId") if chosen.sender_id else None,
            emergency=chosen.emergency, search=chosen.search)
        total, rows = report_page(info.context.session, info.context.viewer, report_filter,
                                  before_id=decode_cursor("report", after), limit=first + 1)
        return connection("report", rows, [row.message.id for row in rows], first, total, lambda row: (
            CommunicationReportRow(
                message=Message.from_row(row.message), type=CommunicationType.MESSAGE,
                sent_at=row.message.created_at, source=MessageSource(row.source), from_name=row.from_name,
                sender_name=row.sender_name, recipients=row.recipients, total=row.total, errors=row.errors,
                status_counts=[DeliveryStatusCount(status=db.DeliveryStatus(s), count=c)
                               for s, c in sorted(row.status_counts.items(), key=lambda item: (-item[1], item[0]))],
                emergency=row.message.emergency, flagged=False)))


@strawberry.type
class ReportMutations:
    @strawberry.mutation(**requires(
        "Queue a message's FAILED deliveries again, and only those; null message when not found.",
        Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def resend_to_failed(self, info: Info, message_id: strawberry.ID) -> ResendToFailedResult:
        session = info.context.session
        found = resend_failed(session, info.context.viewer, parse_id(message_id, "messageId"))
        if found is None:
            session.rollback()
            return ResendToFailedResult(message=None, requeued=0)
        message, requeued = found
        session.commit()
        chunks = {}
        for channel, delivery_id in requeued:
            lane = lane_of(emergency=message.emergency, priority=message.priority, channel=channel)
            chunks.setdefault((lane, channel), []).append(delivery_id)
        info.context.enqueue_dispatch((lane, ids[i:i + 500]) for (lane, _), ids in chunks.items()
                                      for i in range(0, len(ids), 500))
        return ResendToFailedResult(message=Message.from_row(message), requeued=len(requeued))
