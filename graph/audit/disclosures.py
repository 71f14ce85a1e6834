"""Disclosures graph records as it answers (issue 16 point 8): contact data shown (the addresses of
students and their contacts in deliveries, planned deliveries and threads), and each field a
partner key reads that carries student, contact or delivery data.

Both are noted on the operation's session and written when it commits: a mutation's commit, or,
for a query, the context's close (graph.context). One row per field resolved, whatever the page
size; a partner read is noted once per field per operation.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.access.scopes import Scope
from domain.access.viewer import Viewer
from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from graph.context import Info
from models.db import session_scope

#: The scopes whose fields read student, contact or delivery data.
STUDENT_DATA_SCOPES = frozenset({Scope.DELIVERIES_READ, Scope.DIRECTORY_READ, Scope.MESSAGES_READ})


def contact_data_shown(info: Info, object_type: str, object_ids: Iterable[int], student_ids: Iterable) -> None:
    """The answer shows the addresses of these students or their contacts: audited, unless none."""
    students = {int(student_id) for student_id in student_ids if student_id is not None}
    if students:
        record(info.context.session, Actor.of(info.context.viewer), AuditAction.CONTACT_DATA_VIEWED,
               object_type=object_type, object_ids=object_ids, students=students)


def partner_read(info: Info, viewer: Viewer, scopes: Iterable[Scope]) -> None:
    """A partner key resolves a field that reads student data: audited once per field per operation."""
    if viewer.key is None or not STUDENT_DATA_SCOPES.intersection(scopes):
        return
    context = info.context
    field = f"{info.path.typename}.{info.field_name}"
    seen = context.__dict__.setdefault("_partner_reads_audited", set())
    if field in seen:
        return
    seen.add(field)
    if context.on_worker_thread:
        record(context.session, Actor.of(viewer), AuditAction.PARTNER_READ, object_type=field)
    else:  # a subscription starting on a WebSocket, whose context holds no session: a short one of its own
        with session_scope(context.engine) as session:
            record(session, Actor.of(viewer), AuditAction.PARTNER_READ, object_type=field)
