"""The dry-run send plan: the resolution fan-out would insert, kept in a temporary table.

The caller stores the message inside its transaction (domain.messages.send.create_message); planning
materialises the same resolution (domain.recipients.resolution.resolution) that fan-out inserts into
the ledger and reads counts and pages from it; the caller rolls everything back: the plan and what is sent cannot disagree, and a preview
leaves no trace in the delivery ledger.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable
from sqlmodel import Session

from domain.recipients.resolution import ROW_COLUMNS, SENDABLE, resolution, selected_staff, selected_students
from domain.access.scope import staff_scope, student_scope
from domain.access.viewer import Viewer
from models.directory import Student, User
from models.messaging import NOT_SENT_DELIVERY_STATUSES, Delivery, DeliveryStatus as DS, Message

#: Outcomes that reach the recipient: transmitted now or when the call window opens, or an in-app
#: inbox entry; every other status says why nothing is sent.
WILL_SEND = (*SENDABLE, DS.DELIVERED.value)


#: The statuses that are themselves the reason nothing is sent (RPT-02).
_NOT_SENT = frozenset(status.value for status in NOT_SENT_DELIVERY_STATUSES)


def reason_code(status: str) -> str | None:
    """Why a delivery (planned or in the ledger) is not sent, or not yet: DEFERRED_CALL_WINDOW or
    its not-sent status; None when it goes now or went (issue 17 point 3: one enum for both)."""
    if status == DS.DEFERRED.value:
        return "DEFERRED_CALL_WINDOW"
    return status if status in _NOT_SENT else None


@dataclasses.dataclass(frozen=True)
class OutcomeCount:
    channel: str
    status: str
    count: int


@dataclasses.dataclass(frozen=True)
class PlanSummary:
    recipient_count: int
    outcomes: list[OutcomeCount]
    selected_students: int
    possible_students: int
    selected_staff: int
    possible_staff: int
    family_seed: int  # RCP-09: the once-per-family draw; sending with it sends this plan


def recipient_count(session: Session, message: Message) -> int:
    """People the message resolves to, each counted once whatever their channels (CMP-27)."""
    resolved = resolution(session, message)
    people = select(resolved.rows.c.recipient_kind, resolved.rows.c.recipient_id).distinct().subquery()
    return session.execute(select(func.count()).select_from(people), resolved.params).scalar_one()


class _CreateTemporaryTableAs(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, name: str, query):
        self.name, self.query = name, query


@compiles(_CreateTemporaryTableAs)
def _compile_create_temporary_table_as(element, compiler, **kw):
    return f"CREATE TEMPORARY TABLE {element.name} AS {compiler.process(element.query, **kw)}"


def _planned_table(message_id: int) -> Table:
    return Table(
        f"planned_delivery_{message_id}", MetaData(),
        Column("channel", String), Column("recipient_kind", String), Column("recipient_id", Integer),
        Column("student_id", Integer), Column("recipient_name", String), Column("address", String),
        Column("language", String), Column("status", String),
        Column("not_before", Delivery.__table__.c.not_before.type),
    )


def plan_message(session: Session, message: Message, at=None) -> None:
    """Materialise the resolution of a message stored in this transaction as of ``at`` (default now);
    the caller must roll the transaction back."""
    resolved = resolution(session, message, at)
    query = select(*[resolved.rows.c[name] for name in ROW_COLUMNS])
    session.connection().execute(
        _CreateTemporaryTableAs(_planned_table(message.id).name, query), resolved.params)


def plan_summary(session: Session, viewer: Viewer, message: Message) -> PlanSummary:
    planned = _planned_table(message.id).c
    outcomes = [
        OutcomeCount(channel, status, count)
        for channel, status, count in session.execute(
            select(planned.channel, planned.status, func.count())
            .group_by(planned.channel, planned.status).order_by(planned.channel, planned.status)
        ).all()
    ]
    people = select(planned.recipient_kind, planned.recipient_id).distinct().subquery()
    students, staff = selected_students(message.id), selected_staff(message.id)
    count = session.execute
    return PlanSummary(
        recipient_count=count(select(func.count()).select_from(people)).scalar_one(),
        outcomes=outcomes,
        selected_students=count(select(func.count()).select_from(students)).scalar_one(),
        possible_students=count(select(func.count()).select_from(Student).where(student_scope(viewer))).scalar_one(),
        selected_staff=count(select(func.count()).select_from(staff)).scalar_one(),
        possible_staff=count(select(func.count()).select_from(User).where(staff_scope(viewer))).scalar_one(),
        family_seed=message.family_seed,
    )


def plan_rows(session: Session, message: Message, *, offset: int = 0, limit: int = 0, will_send: bool | None,
              span: Callable[[int], tuple[int, int]] | None = None):
    """The total and one page of planned deliveries in a stable order; ``will_send`` filters by
    outcome; ``span(total)``, when given, picks the page's (offset, limit) once the total is known."""
    planned = _planned_table(message.id).c
    query = select(*[planned[name] for name in ROW_COLUMNS])
    if will_send is True:
        query = query.where(planned.status.in_(WILL_SEND))
    elif will_send is False:
        query = query.where(planned.status.not_in(WILL_SEND))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    if span is not None:
        offset, limit = span(total)
    page = session.execute(
        query.order_by(planned.channel, planned.recipient_kind, planned.recipient_id, planned.address)
        .offset(offset).limit(limit)
    ).all()
    return total, page
