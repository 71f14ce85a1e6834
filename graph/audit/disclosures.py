"""Disclosures graph records as it answers (issue 16 point 8): contact data shown (the addresses of
students and their contacts in deliveries, planned deliveries and threads), and each field a
partner key reads that carries student, contact or delivery data.

A disclosure happened once its data is in the answer, whatever the request's transaction does
afterwards (a later field's dry run or refused input rolls the session back): so it is kept on the
operation's context, not in its transaction, and written in a transaction of its own when the
operation ends (graph.context.Context.close). ``AuditReturnedDisclosures`` first drops those whose
data never reached the answer (the field failed, or a failure below it nulled it). One row per
field resolved, whatever the page size; a partner read is noted once per field per operation (per
connection, for a WebSocket's subscriptions, whose row is written at once on a thread so the event
loop never waits).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from domain.access.scopes import Scope
from domain.support.global_ids import Kind, pk_of
from domain.access.viewer import Viewer
from domain.audit.actions import Actor, AuditAction
from domain.audit.trail import AuditEntry, record
from graph.context import Context, Disclosure, Info
from models.db import session_scope

log = logging.getLogger(__name__)

#: The scopes whose fields read student, contact or delivery data.
STUDENT_DATA_SCOPES = frozenset({Scope.DELIVERIES_READ, Scope.DIRECTORY_READ, Scope.MESSAGES_READ})


def contact_data_shown(info: Info, object_type: str, object_ids: Iterable[int], student_ids: Iterable) -> None:
    """The answer shows the addresses of these students or their contacts: audited, unless none."""
    students = {student_id if isinstance(student_id, int) else pk_of(student_id, Kind.STUDENT)
                for student_id in student_ids if student_id is not None} - {None}
    if students:
        entry = AuditEntry.now(Actor.of(info.context.viewer), AuditAction.CONTACT_DATA_VIEWED,
                               object_type=object_type, object_ids=object_ids, students=students)
        info.context.disclosures.append(Disclosure(entry, [_path_of(info)]))


def partner_read(info: Info, viewer: Viewer, scopes: Iterable[Scope]) -> None:
    """A partner key resolves a field that reads student data: audited once per field per operation."""
    if viewer.key is None or not STUDENT_DATA_SCOPES.intersection(scopes):
        return
    context = info.context
    field = f"{info.path.typename}.{info.field_name}"
    seen: dict[str, Disclosure | None] = context.__dict__.setdefault("_partner_reads_audited", {})
    if field in seen:
        if seen[field] is not None:  # the row is written if any of the places it was read answers
            seen[field].paths.append(_path_of(info))
        return
    actor = Actor.of(viewer)
    if context.on_worker_thread:
        seen[field] = Disclosure(AuditEntry.now(actor, AuditAction.PARTNER_READ, object_type=field),
                                 [_path_of(info)])
        context.disclosures.append(seen[field])
        return
    seen[field] = None

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


class AuditReturnedDisclosures(SchemaExtension):
    """When an operation ends, keep only the disclosures whose data is in its answer: a field that
    failed (or was nulled by a failure below it) disclosed nothing. An operation that fails as a
    whole (no data) discloses nothing either."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        finally:
            context = self.execution_context.context
            if isinstance(context, Context) and context.disclosures:
                result = self.execution_context.result
                data = result.data if result is not None else None
                context.disclosures[:] = [disclosure for disclosure in context.disclosures
                                          if any(_answered(data, path) for path in disclosure.paths)]


def _path_of(info: Info) -> tuple[str | int, ...]:
    """Where the field being resolved sits in the answer: response names (aliases) and list indexes."""
    return tuple(info.path.as_list())


def _answered(data: Any, path: tuple[str | int, ...]) -> bool:
    """Whether the answer holds a value (not null) at ``path``."""
    node = data
    for key in path:
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
            node = node[key]
        elif isinstance(key, str) and isinstance(node, dict):
            node = node.get(key)
        else:
            return False
    return node is not None
