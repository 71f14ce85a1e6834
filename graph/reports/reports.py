"""The communication report (RPT-*): communicationReport, resendToFailed, recallMessage; the CSV
export is an HTTP route (homeroom.routes.reports)."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry
from graphql import GraphQLError

from domain.delivery import progress_events
from domain.delivery.queue_run import lane_chunks
from domain.support.errors import AuthorizationError
from domain.access.permissions import Perm
from domain.reports.communication_report import ReportFilter, report_page, resend_failed
from graph.context import Info
from graph.messages.types import DeliveryStatusCount, Message
from graph.pagination import (MAX_SEARCH_LENGTH, Connection, connection, decode_cursor, page_size, parse_id,
                              search_term)
from graph.permissions import denied, requires
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
        description="Deliveries per status, each reason a delivery was not sent counted apart (RPT-02).")
    emergency: bool
    flagged: bool = strawberry.field(description="INB-11: the message contains a flagged word.")


@strawberry.input(description="Narrow the communication report.")
class CommunicationReportFilter:
    sent_from: dt.datetime | None = strawberry.field(default=None, description="With a time zone (Z or an offset).")
    sent_to: dt.datetime | None = strawberry.field(default=None, description="With a time zone (Z or an offset).")
    sender_id: strawberry.ID | None = None
    emergency: bool | None = None
    search: str | None = strawberry.field(
        default=None, description=f"Part of the subject or the sender's name (at most {MAX_SEARCH_LENGTH} characters).")

    def to_filter(self) -> ReportFilter:
        """The domain's filter; a date without a time zone or an overlong search is BAD_USER_INPUT."""
        for argument, value in (("filter.sentFrom", self.sent_from), ("filter.sentTo", self.sent_to)):
            if value is not None and value.utcoffset() is None:
                raise GraphQLError(f"{argument} needs a time zone, such as 2026-09-01T08:00:00Z or "
                                   "2026-09-01T08:00:00-05:00",
                                   extensions={"code": "BAD_USER_INPUT", "argument": argument})
        return ReportFilter(
            sent_from=self.sent_from, sent_to=self.sent_to,
            sender_id=parse_id(self.sender_id, "filter.senderId") if self.sender_id else None,
            emergency=self.emergency, search=search_term(self.search, "filter.search"))


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
        report_filter = (filter or CommunicationReportFilter()).to_filter()
        total, rows = report_page(info.context.session, info.context.viewer, report_filter,
                                  before_id=decode_cursor("report", after), limit=first + 1)
        return connection("report", rows, [row.message.id for row in rows], first, total, lambda row: (
            CommunicationReportRow(
                message=Message.from_row(row.message), type=CommunicationType.MESSAGE,
                sent_at=row.message.created_at, source=MessageSource(row.source), from_name=row.from_name,
                sender_name=row.sender_name, recipients=row.recipients, total=row.total, errors=row.errors,
                status_counts=[DeliveryStatusCount(status=db.DeliveryStatus(s), count=c)
                               for s, c in sorted(row.status_counts.items(), key=lambda item: (-item[1], item[0]))],
                emergency=row.message.emergency, flagged=row.message.flagged)))


@strawberry.type
class ReportMutations:
    @strawberry.mutation(**requires(
        "Queue a message's FAILED deliveries again, and only those: for its sender or a district administrator; "
        "null message when not found.",
        Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    def resend_to_failed(self, info: Info, message_id: strawberry.ID) -> ResendToFailedResult:
        session = info.context.session
        try:
            found = resend_failed(session, info.context.viewer, parse_id(message_id, "messageId"))
        except AuthorizationError as refused:
            session.rollback()
            raise denied(refused) from None
        if found is None:
            session.rollback()
            return ResendToFailedResult(message=None, requeued=0)
        message, requeued = found
        session.commit()
        # Push goes out with the next queue run (JOB-04); the rest in their lanes' chunks.
        rows = [(delivery_id, channel, message.id) for channel, delivery_id in requeued
                if channel != db.Channel.PUSH.value]
        info.context.enqueue_dispatch(lane_chunks(rows, {message.id: (message.emergency, message.priority)},
                                                  info.context.settings.dispatch_batch_size))
        return ResendToFailedResult(message=Message.from_row(message), requeued=len(requeued))


@strawberry.type(description="A recalled message: what will never be sent, and what already was.")
class RecallMessageResult:
    message: Message | None
    cancelled: int = strawberry.field(description="Deliveries that will never be sent.")
    sent_before: int = strawberry.field(description="Deliveries sent before the recall.")
    still_in_flight: int = strawberry.field(
        description="Deliveries still with a provider when the call gave up waiting (normally 0).")


@strawberry.type
class RecallMutations:
    @strawberry.mutation(**requires(
        "Recall one of your messages that is scheduled, queued or being sent: every delivery not yet handed to a "
        "provider is CANCELLED, and the call returns once the batches already with a provider are done, so "
        "nothing is sent after it returns. Null message when not found.",
        Perm.COMMUNICATION, Perm.SEND_MESSAGES))
    async def recall_message(self, info: Info, id: strawberry.ID) -> RecallMessageResult:
        from starlette.concurrency import run_in_threadpool

        from domain.messages.send import MessageNotFound
        from domain.messages.recall import recall_message

        try:
            recalled = await run_in_threadpool(recall_message, info.context.engine, info.context.viewer, parse_id(id))
        except MessageNotFound:
            return RecallMessageResult(message=None, cancelled=0, sent_before=0, still_in_flight=0)
        await run_in_threadpool(progress_events.publish, info.context.events, [recalled.message_id])  # Redis, off the loop
        row = await run_in_threadpool(_load_message, info.context.engine, recalled.message_id)
        return RecallMessageResult(message=Message.from_row(row), cancelled=recalled.cancelled,
                                   sent_before=recalled.sent_before, still_in_flight=recalled.still_in_flight)


def _load_message(engine, message_id: int) -> db.Message:
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        return session.get(db.Message, message_id)
