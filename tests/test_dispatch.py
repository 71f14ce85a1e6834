"""Fan-out and dispatch: set-based rows, idempotent actors, never a double send."""

from __future__ import annotations

from sqlalchemy import func, select

from channels.base import ChannelKind, EmailChannel, PermanentFailure, Retryable, Sent
from channels.registry import ChannelRegistry
from domain.dispatch import dispatch_deliveries
from domain.fan_out import fan_out, queued_delivery_chunks
from domain.viewer import load_viewer
from domain.messages import SendMessageRequest, create_message
from helpers import count_statements
from models.db import session_scope
from models.directory import Contact, Student, User
from models.messaging import Channel, Delivery, DeliveryAttempt, Message, StudentRecipientType


class RecordingEmail(EmailChannel):
    name = "recording"

    def __init__(self, config, outcomes=None):
        super().__init__(config)
        object.__setattr__(self, "calls", [])

    def send(self, batch):
        self.calls.append([envelope.reference for envelope in batch])
        return [Sent(envelope.reference, f"p-{envelope.reference}") for envelope in batch]


class FlakyEmail(RecordingEmail):
    def send(self, batch):
        self.calls.append([envelope.reference for envelope in batch])
        return [Retryable(e.reference, 0.0, "421") if i % 2 else PermanentFailure(e.reference, "550", "mailbox unknown")
                for i, e in enumerate(batch)]


def _message(engine, student_count=12):
    with session_scope(engine) as session:
        admin = session.execute(select(User).where(User.login == "admin")).scalars().one()
        viewer = load_viewer(session, admin.id)
        students = session.execute(select(Student.id).where(Student.status == "ACTIVE").order_by(Student.id.desc())
                                   .limit(student_count)).scalars().all()
        message = create_message(session, viewer, SendMessageRequest(
            subject="Ledger", html_body="<p>x</p>", channels=(Channel.EMAIL,),
            recipient_type=StudentRecipientType.PRIMARY_CONTACTS, student_ids=tuple(students)))
        return message.id, students


def test_jobs_05_fan_out_twice_writes_rows_once(engine):
    """Covers JOB-05, RCP-06: a repeated fan-out adds nothing; rows match custodial contacts."""
    message_id, students = _message(engine)
    with session_scope(engine) as session:
        first = fan_out(session, message_id)
    with session_scope(engine) as session:
        second = fan_out(session, message_id)
        rows = session.execute(select(func.count()).select_from(Delivery).where(Delivery.message_id == message_id)).scalar_one()
        custodial = session.execute(select(func.count()).select_from(Contact).where(
            Contact.student_id.in_(students), Contact.custodial, Contact.status != "DELETED")).scalar_one()
    assert not first.already_done and second.already_done and second.deliveries_written == 0
    assert rows == first.deliveries_written == custodial


def test_job_05_dispatching_the_same_ids_twice_sends_once(engine):
    """Covers JOB-05: the second dispatch of the same chunk claims nothing and sends nothing."""
    message_id, _ = _message(engine)
    with session_scope(engine) as session:
        fan_out(session, message_id)
        chunks = queued_delivery_chunks(session, message_id, 500)
    plugin = RecordingEmail(RecordingEmail.Config())
    registry = ChannelRegistry({ChannelKind.EMAIL: plugin})
    first = dispatch_deliveries(engine, registry, chunks[0])
    again = dispatch_deliveries(engine, registry, chunks[0])
    assert first.sent == len(chunks[0]) and again.claimed == 0 and len(plugin.calls) == 1
    with session_scope(engine) as session:
        attempts = session.execute(select(func.count()).select_from(DeliveryAttempt).where(
            DeliveryAttempt.delivery_id.in_(chunks[0]))).scalar_one()
        status = session.execute(select(Message.status).where(Message.id == message_id)).scalar_one()
    assert attempts == len(chunks[0])
    assert status == "COMPLETED"


def test_retryable_goes_back_to_queue_and_permanent_records_code(engine):
    message_id, _ = _message(engine, student_count=6)
    with session_scope(engine) as session:
        fan_out(session, message_id)
        ids = queued_delivery_chunks(session, message_id, 500)[0]
    registry = ChannelRegistry({ChannelKind.EMAIL: FlakyEmail(FlakyEmail.Config())})
    result = dispatch_deliveries(engine, registry, ids)
    with session_scope(engine) as session:
        rows = {d.id: d for d in session.execute(select(Delivery).where(Delivery.id.in_(ids))).scalars()}
    assert result.retry_ids and result.failed
    for delivery_id in result.retry_ids:
        assert rows[delivery_id].status == "QUEUED" and rows[delivery_id].error_code == "421"
    failed = [d for d in rows.values() if d.status == "FAILED"]
    assert failed and all(d.error_code == "550" and d.reason == "mailbox unknown" for d in failed)


def test_fan_out_is_set_based(engine):
    """Fan-out issues a fixed number of statements whatever the number of students."""
    counts = []
    for size in (3, 40):
        message_id, _ = _message(engine, student_count=size)
        with count_statements(engine) as statements, session_scope(engine) as session:
            fan_out(session, message_id)
        counts.append(len(statements))
    assert counts[0] == counts[1]
