"""auditLog: the district's audit trail for its administrators (issue 16 point 8)."""

from __future__ import annotations

import strawberry

from domain.audit.log import audit_page
from graph.audit.types import AuditEntry, AuditLogFilter
from graph.context import Info
from graph.pagination import Connection, connection, decode_cursor, page_size
from graph.permissions import requires_district_settings


@strawberry.type
class AuditQueries:
    @strawberry.field(**requires_district_settings(
        "The audit trail, newest first: every send, schedule, export, permission and partner-key change, view of "
        "a student's contact data and partner read of student data. filter.studentId answers \"every disclosure "
        "concerning this student\"."))
    def audit_log(self, info: Info, filter: AuditLogFilter | None = None, first: int = 50,
                  after: str | None = None) -> Connection[AuditEntry]:
        first = page_size(first)
        audit_filter = (filter or AuditLogFilter()).to_filter()
        total, rows = audit_page(info.context.session, info.context.viewer.district.id, audit_filter,
                                 before_id=decode_cursor("audit", after), limit=first + 1)
        return connection("audit", rows, [row.id for row in rows], first, total, AuditEntry.from_row)
