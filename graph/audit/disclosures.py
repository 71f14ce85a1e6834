"""Disclosures graph records as it answers (issue 16 point 8): contact data shown (the addresses of
students and their contacts in deliveries, planned deliveries and threads), and each field a
partner key reads that carries student, contact or delivery data.

Both are noted on the operation's session and written when it commits: a mutation's commit, or,
for a query, the context's close (graph.context). One row per field resolved, whatever the page
size; a partner read is noted once per field per operation (per connection, for a WebSocket's
subscriptions, whose row is written on a thread so the event loop never waits).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Iterable

from domain.access.scopes import Scope
from domain.access.viewer import Viewer
from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import record
from graph.context import Info
from models.db import session_scope

log = logging.getLogger(__name__)

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
    actor = Actor.of(viewer)
    if context.on_worker_thread:
        record(context.session, actor, AuditAction.PARTNER_READ, object_type=field)
        return

    def write() -> None:  # a session of its own: a WebSocket's context holds none
        try:
            with session_scope(context.engine) as session:
                record(session, actor, AuditAction.PARTNER_READ, object_type=field)
        except Exception:  # noqa: BLE001  (nobody awaits this thread: say so in the log)
            log.exception("could not audit a partner key's read of %s", field)

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        write()
        return
    # A subscription starts on the event loop, which must never wait on the database (or on the
    # chain's lock): the row is written on a thread, with this request's origin.
    loop.run_in_executor(None, functools.partial(contextvars.copy_context().run, write))
