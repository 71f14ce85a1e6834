"""auditLog: the district's audit trail for its administrators (issue 16 point 8)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.audit.log import audit_list
from graph.audit.types import AuditEntry, AuditLogFilter
from graph.context import Info
from graph.pagination import After, Before, Connection, First, Last, keyset_connection, window
from graph.permissions import requires_district_settings


@strawberry.type
class AuditQueries:
    @strawberry.field(**requires_district_settings(
        "The audit trail, newest first (50 a page by default): every send, schedule, export, permission and partner-key change, view of "
        "a student's contact data and partner read of student data. filter.studentId answers \"every disclosure "
        "concerning this student\"."))
    def audit_log(self, info: Info, filter: Annotated[AuditLogFilter | None, strawberry.argument(
            description="What to narrow the trail to; null: every row.")] = None, first: First = None, after: After = None,
                  last: Last = None, before: Before = None) -> Connection[AuditEntry]:
        page = window("audit", first, after, last, before, default=50)
        listing = audit_list(info.context.viewer.district.id, (filter or AuditLogFilter()).to_filter())
        return keyset_connection(info.context.session, listing, "audit", page, AuditEntry.from_row)
