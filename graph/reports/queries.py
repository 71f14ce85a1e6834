"""The communication report (RPT-*): communicationReport; the CSV export is an HTTP route
(homeroom.routes.reports)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.permissions import Perm
from domain.access.scopes import Scope
from domain.reports.communication_report import report_list
from graph.context import Info
from graph.messages.message import Message
from graph.messages.types import DeliveryStatusCount
from graph.pagination import After, Before, Connection, First, Last, keyset_connection, window
from graph.permissions import requires
from graph.reports.inputs import CommunicationReportFilter
from graph.reports.types import CommunicationReportRow, CommunicationType, MessageSource
from models import messaging as db


@strawberry.type
class ReportQueries:
    @strawberry.field(**requires(
        "Every sent message the viewer may read, newest first (50 a page by default), with type, date, source, sender, recipients, "
        "total, errors, counts per status, and the emergency and flagged marks. For per-recipient rows read "
        "message(id).deliveries, or download GET /reports/messages/{id}/deliveries.csv with the same bearer "
        "token (RPT-01).",
        Perm.COMMUNICATION, scopes=(Scope.MESSAGES_READ,)))
    def communication_report(self, info: Info, filter: Annotated[CommunicationReportFilter | None, strawberry.argument(
                                 description="Narrow the report; null: every message the viewer may read.")] = None,
                             first: First = None, after: After = None, last: Last = None,
                             before: Before = None) -> Connection[CommunicationReportRow]:
        page = window("report", first, after, last, before, default=50)
        listing = report_list(info.context.session, info.context.viewer,
                              (filter or CommunicationReportFilter()).to_filter())
        return keyset_connection(info.context.session, listing, "report", page, lambda row: (
            CommunicationReportRow(
                message=Message.from_row(row.message), type=CommunicationType.MESSAGE,
                sent_at=row.message.created_at, source=MessageSource(row.source), from_name=row.from_name,
                sender_name=row.sender_name, recipients=row.recipients, total=row.total, errors=row.errors,
                status_counts=[DeliveryStatusCount(status=db.DeliveryStatus(s), count=c)
                               for s, c in sorted(row.status_counts.items(), key=lambda item: (-item[1], item[0]))],
                emergency=row.message.emergency, flagged=row.message.flagged)))
