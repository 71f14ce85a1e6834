"""Fan-out and dispatch: set-based rows, idempotent actors, never a double send."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from channels.base import ChannelKind, EmailChannel, PermanentFailure, Reconciled, Retryable, Sent
from channels.registry import ChannelRegistry
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.access.viewer import load_viewer
from domain.messages.send import SendMessageRequest, create_message
from helpers import count_statements
from jobs.runtime import current
from models.db import session_scope
from factories import add_contact, add_student, email, first_school_id, seeded_students
from models.directory import Contact, User
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
        students = seeded_students(session, limit=student_count, newest_first=True)
        message = create_message(session, viewer, SendMessageRequest(
            subject="Ledger", html_body="<p>x</p>", channels=(Channel.EMAIL,),
            recipient_type=StudentRecipientType.PRIMARY_CONTACTS, student_ids=tuple(students)))
        return message.id, students


def _fresh_message(engine, student_count: int) -> int:
    """A message to new students, each with one custodial contact with an email of its own: every
    delivery is QUEUED whatever earlier tests did to the seeded families (opt-outs, bounces)."""
    school = first_school_id(engine)
    students = []
    for _ in range(student_count):
        kid = add_student(engine, school)
        add_contact(engine, kid, email=email("dispatch"))
        students.append(kid)
    with session_scope(engine) as session:
        viewer = load_viewer(session, session.execute(select(User.id).where(User.login == "admin")).scalar_one())
        return create_message(session, viewer, SendMessageRequest(
            subject="Ledger", html_body="<p>x</p>", channels=(Channel.EMAIL,),
            recipient_type=StudentRecipientType.PRIMARY_CONTACTS, student_ids=tuple(students))).id


def test_jobs_05_fan_out_twice_writes_rows_once(engine):
    """Covers JOB-05, RCP-06: a repeated fan-out adds nothing; rows match custodial contacts."""
    message_id, students = _message(engine)
    with session_scope(engine) as session:
        first = fan_out(session, message_id)
    with session_scope(engine) as session:
        second = fan_out(session, message_id)
        rows = session.execute(select(func.count()).select_from(Delivery).where(Delivery.message_id == message_id)).scalar_one()
        email_rows = session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.message_id == message_id, Delivery.channel != "INAPP")).scalar_one()
        custodial = session.execute(select(func.count()).select_from(Contact).where(
            Contact.student_id.in_(students), Contact.custodial, Contact.status != "DELETED")).scalar_one()
    assert not first.already_done and second.already_done and second.deliveries_written == 0
    # Every row once: one email row per custodial contact, plus the in-app rows of their accounts.
    assert rows == first.deliveries_written and email_rows == custodial


def test_job_05_dispatching_the_same_ids_twice_sends_once(engine):
    """Covers JOB-05: the second dispatch of the same chunk claims nothing and sends nothing."""
    message_id, _ = _message(engine)
    with session_scope(engine) as session:
        fan_out(session, message_id)
        chunks = queued_delivery_chunks(session, message_id, 500)
    plugin = RecordingEmail(RecordingEmail.Config())
    registry = ChannelRegistry({ChannelKind.EMAIL: plugin})
    first = dispatch_deliveries(engine, registry, chunks[0], current().delivery)
    again = dispatch_deliveries(engine, registry, chunks[0], current().delivery)
    assert first.sent == len(chunks[0]) and again.claimed == 0 and len(plugin.calls) == 1
    with session_scope(engine) as session:
        attempts = session.execute(select(func.count()).select_from(DeliveryAttempt).where(
            DeliveryAttempt.delivery_id.in_(chunks[0]))).scalar_one()
        status = session.execute(select(Message.status).where(Message.id == message_id)).scalar_one()
    assert attempts == len(chunks[0])
    assert status == "COMPLETED"


def test_retryable_goes_back_to_queue_and_permanent_records_code(engine):
    message_id = _fresh_message(engine, student_count=6)
    with session_scope(engine) as session:
        fan_out(session, message_id)
        ids = queued_delivery_chunks(session, message_id, 500)[0]
    registry = ChannelRegistry({ChannelKind.EMAIL: FlakyEmail(FlakyEmail.Config())})
    result = dispatch_deliveries(engine, registry, ids, current().delivery)
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


class RetryThenSend(RecordingEmail):
    """Retryable on the first attempt (with or without the provider's Retry-After), then sent."""

    def __init__(self, config, retry_after=None):
        super().__init__(config)
        object.__setattr__(self, "retry_after", retry_after)

    def send(self, batch):
        self.calls.append([envelope.reference for envelope in batch])
        if len(self.calls) == 1:
            return [Retryable(e.reference, self.retry_after, "451", "try later") for e in batch]
        return [Sent(e.reference, f"p-{e.reference}") for e in batch]


def _deliveries(engine, ids):
    with session_scope(engine) as session:
        return {d.id: d for d in session.execute(select(Delivery).where(Delivery.id.in_(ids))).scalars()}


def test_retryable_then_sent_backs_off_and_honours_retry_after(engine):
    """Covers JOB-05: a retryable outcome re-queues the delivery with exponential backoff (30 s
    after the first attempt) or the provider's Retry-After when it gives one; the retry sends it
    once; attempts are counted and recorded one per provider call."""
    import datetime as dt

    from domain.delivery.sending.decisions import retry_delay_seconds

    assert [retry_delay_seconds(n, None) for n in (1, 2, 3, 8)] == [30, 60, 120, 3600]
    assert retry_delay_seconds(3, 5.0) == 5.0
    for retry_after, expected in ((None, 30), (120.0, 120)):
        message_id = _fresh_message(engine, student_count=4)
        with session_scope(engine) as session:
            fan_out(session, message_id)
            ids = queued_delivery_chunks(session, message_id, 500)[0]
        plugin = RetryThenSend(RetryThenSend.Config(), retry_after)
        registry = ChannelRegistry({ChannelKind.EMAIL: plugin})
        first = dispatch_deliveries(engine, registry, ids, current().delivery)
        assert sorted(first.retry_ids) == sorted(ids) and first.retry_delay_seconds == expected
        waiting = _deliveries(engine, ids)
        for delivery in waiting.values():
            assert delivery.status == "QUEUED" and delivery.attempts == 1 and delivery.error_code == "451"
            with session_scope(engine) as session:
                finished = session.execute(select(DeliveryAttempt.finished_at).where(
                    DeliveryAttempt.delivery_id == delivery.id)).scalar_one()
            gap = delivery.not_before.replace(tzinfo=dt.UTC) - finished.replace(tzinfo=dt.UTC)
            assert abs(gap.total_seconds() - expected) < 1
        second = dispatch_deliveries(engine, registry, first.retry_ids, current().delivery)
        assert second.sent == len(ids)
        done = _deliveries(engine, ids)
        assert all(d.status == "SENT" and d.attempts == 2 and d.provider_id == f"p-{d.id}" for d in done.values())
        with session_scope(engine) as session:
            attempts = session.execute(select(DeliveryAttempt.outcome, func.count()).where(
                DeliveryAttempt.delivery_id.in_(ids)).group_by(DeliveryAttempt.outcome)).all()
            status = session.execute(select(Message.status).where(Message.id == message_id)).scalar_one()
        assert dict(attempts) == {"Retryable": len(ids), "Sent": len(ids)} and status == "COMPLETED"


def test_retries_stop_after_the_last_attempt(engine):
    """Covers JOB-05: a delivery still retryable at its fifth attempt fails with the provider's
    code, and the message completes."""
    from domain.delivery.sending.decisions import MAX_ATTEMPTS

    message_id = _fresh_message(engine, student_count=2)
    with session_scope(engine) as session:
        fan_out(session, message_id)
        ids = queued_delivery_chunks(session, message_id, 500)[0]

    class AlwaysLater(RecordingEmail):
        def send(self, batch):
            self.calls.append([e.reference for e in batch])
            return [Retryable(e.reference, 0.0, "421") for e in batch]

    plugin = AlwaysLater(AlwaysLater.Config())
    registry = ChannelRegistry({ChannelKind.EMAIL: plugin})
    pending = ids
    while pending:
        pending = dispatch_deliveries(engine, registry, pending, current().delivery).retry_ids
    assert len(plugin.calls) == MAX_ATTEMPTS
    rows = _deliveries(engine, ids)
    assert all(d.status == "FAILED" and d.error_code == "421" and d.attempts == MAX_ATTEMPTS for d in rows.values())
    with session_scope(engine) as session:
        assert session.execute(select(Message.status).where(Message.id == message_id)).scalar_one() == "COMPLETED"


class RaisesForOne(RecordingEmail):
    """Hands envelopes to its "provider" one by one and raises at one addressed to any of ``bad``, as
    a plugin with a bug in its encoding would; its provider knows every reference it was given, so
    ``reconcile`` can say which went out before the raise."""

    def __init__(self, config, bad: frozenset[str]):
        super().__init__(config)
        object.__setattr__(self, "bad", bad)
        object.__setattr__(self, "provider", [])

    def send(self, batch):
        self.calls.append([envelope.reference for envelope in batch])
        for envelope in batch:
            if envelope.to in self.bad:
                raise ValueError(f"cannot encode {envelope.to}")
            self.provider.append(envelope.reference)
        return [Sent(envelope.reference, f"p-{envelope.reference}") for envelope in batch]

    def reconcile(self, references):
        return {ref: Reconciled.SENT if ref in self.provider else Reconciled.NOT_SENT for ref in references}


def test_issue_13_10_a_plugin_raising_mid_batch_fails_only_the_envelope_at_fault(engine):
    """Covers JOB-05 (issue 13 point 10): the plugin raised after sending part of the batch. What its
    provider already has is recorded as sent, never resent; the rest go one at a time; the envelope
    at fault alone is FAILED with PLUGIN_ERROR (its detail names no address), and every delivery has
    one attempt."""
    message_id = _fresh_message(engine, student_count=8)
    with session_scope(engine) as session:
        fan_out(session, message_id)
        ids = queued_delivery_chunks(session, message_id, 500)[0]
        addresses = dict(session.execute(select(Delivery.id, Delivery.address).where(Delivery.id.in_(ids))).all())
    bad_id = sorted(ids)[len(ids) // 2]  # half the batch went out before the raise
    plugin = RaisesForOne(RaisesForOne.Config(), frozenset({addresses[bad_id]}))
    result = dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: plugin}), ids, current().delivery)
    assert (result.sent, result.failed, result.retry_ids) == (len(ids) - 1, 1, [])
    rows = _deliveries(engine, ids)
    bad = rows.pop(bad_id)
    assert (bad.status, bad.error_code) == ("FAILED", "PLUGIN_ERROR")
    assert "ValueError" in bad.reason and addresses[bad_id] not in bad.reason
    assert {d.status for d in rows.values()} == {"SENT"} and all(d.attempts == 1 for d in (*rows.values(), bad))
    assert Counter(plugin.provider) == Counter(str(delivery_id) for delivery_id in rows)  # each once
    before_raise = [str(i) for i in sorted(ids) if i < bad_id]
    assert plugin.calls[1:] == [[str(i)] for i in sorted(ids) if i >= bad_id]  # only those not yet sent
    assert plugin.provider[:len(before_raise)] == before_raise
    with session_scope(engine) as session:
        attempts = Counter(session.execute(select(DeliveryAttempt.delivery_id).where(
            DeliveryAttempt.delivery_id.in_(ids))).scalars())
    assert attempts == Counter({delivery_id: 1 for delivery_id in ids})


def test_issue_13_10_bad_envelopes_leading_a_batch_do_not_hold_back_the_rest(engine):
    """Covers JOB-05 (issue 13 point 10, found in review): the first three envelopes of the batch
    raise (as many as make the plugin look down). The last one is tried too; it goes out, so the
    three fail alone with PLUGIN_ERROR and every other delivery is sent once, instead of the whole
    batch being retried into the same three until all fail."""
    from domain.delivery.sending.plugin_batches import PLUGIN_FAILING_AFTER

    message_id = _fresh_message(engine, student_count=8)
    with session_scope(engine) as session:
        fan_out(session, message_id)
        ids = sorted(queued_delivery_chunks(session, message_id, 500)[0])
        addresses = dict(session.execute(select(Delivery.id, Delivery.address).where(Delivery.id.in_(ids))).all())
    leading = ids[:PLUGIN_FAILING_AFTER]
    plugin = RaisesForOne(RaisesForOne.Config(), frozenset(addresses[i] for i in leading))
    result = dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: plugin}), ids, current().delivery)
    assert (result.sent, result.failed, result.retry_ids) == (len(ids) - len(leading), len(leading), [])
    rows = _deliveries(engine, ids)
    assert {(rows[i].status, rows[i].error_code) for i in leading} == {("FAILED", "PLUGIN_ERROR")}
    assert {rows[i].status for i in ids[len(leading):]} == {"SENT"}
    assert Counter(plugin.provider) == Counter(str(i) for i in ids[len(leading):])  # each once


def test_issue_13_10_a_plugin_that_always_raises_leaves_the_whole_batch_to_retry(engine):
    """Covers JOB-05 (issue 13 point 10): when the envelopes sent one at a time raise too, the plugin
    rather than an envelope is at fault: after a few tries every delivery is queued again with
    PLUGIN_ERROR, none is failed, and the plugin is not called once per envelope."""
    from domain.delivery.sending.plugin_batches import PLUGIN_FAILING_AFTER

    message_id = _fresh_message(engine, student_count=8)
    with session_scope(engine) as session:
        fan_out(session, message_id)
        ids = queued_delivery_chunks(session, message_id, 500)[0]

    class AlwaysRaises(RecordingEmail):
        def send(self, batch):
            self.calls.append([e.reference for e in batch])
            raise ConnectionError("the provider is down")

    plugin = AlwaysRaises(AlwaysRaises.Config())
    result = dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: plugin}), ids, current().delivery)
    assert sorted(result.retry_ids) == sorted(ids) and result.failed == 0
    assert len(plugin.calls) == 1 + PLUGIN_FAILING_AFTER + 1 < len(ids)  # the batch, the first few, the last
    assert {(d.status, d.error_code) for d in _deliveries(engine, ids).values()} == {("QUEUED", "PLUGIN_ERROR")}
