"""What dispatch writes for a chunk (issue 20 points 1-3): the claim that decides an opt-out once
per row, the record that is one statement on PostgreSQL and lowers a message's counter only by
what it really settled, and envelopes that carry signed links only for a plugin that renders a
body."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select

from channels.base import ChannelKind, EmailChannel, PermanentFailure, Sent, StatusEvent
from channels.discard import DiscardChannel
from channels.registry import ChannelRegistry
from domain.delivery.callbacks import apply_provider_events
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.recovery import reconcile_stuck_sending
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.inbound.optouts import record_opt_out
from domain.access.viewer import load_viewer
from domain.messages.send import SendMessageRequest, create_message
from factories import add_contact, add_student, email, first_school_id
from harness import USES_POSTGRES
from helpers import count_statements
from jobs.runtime import current
from models.db import session_scope, utcnow
from models.directory import User
from models.messaging import Channel, Delivery, DeliveryAttempt, Message, StudentRecipientType


class KeepingEmail(EmailChannel):
    """Sends everything, keeping each envelope it was handed; ``during_send`` runs before it answers."""

    name = "keeping"

    def __init__(self, config, during_send=None):
        super().__init__(config)
        object.__setattr__(self, "envelopes", [])
        object.__setattr__(self, "during_send", during_send)

    def send(self, batch):
        self.envelopes.extend(batch)
        if self.during_send is not None:
            self.during_send(batch)
        return [Sent(envelope.reference, f"p-{envelope.reference}") for envelope in batch]


class KeepingDiscard(DiscardChannel):
    """The ``discard`` plugin (its capabilities too), keeping what it was handed."""

    def __init__(self, config):
        super().__init__(config)
        object.__setattr__(self, "envelopes", [])

    def send(self, batch):
        self.envelopes.extend(batch)
        return super().send(batch)


def _queued_email(engine, families: int) -> tuple[int, list[int], list[str]]:
    """A fanned-out email to ``families`` new families (one custodial contact each): its id, its
    queued delivery ids and their addresses."""
    school = first_school_id(engine)
    students, addresses = [], []
    for _ in range(families):
        kid = add_student(engine, school)
        addresses.append(email("writes"))
        add_contact(engine, kid, email=addresses[-1])
        students.append(kid)
    with session_scope(engine) as session:
        viewer = load_viewer(session, session.execute(select(User.id).where(User.login == "admin")).scalar_one())
        message = create_message(session, viewer, SendMessageRequest(
            subject="Writes", html_body="<p>x</p>", channels=(Channel.EMAIL,),
            recipient_type=StudentRecipientType.PRIMARY_CONTACTS, student_ids=tuple(students)))
        fan_out(session, message.id)
        [chunk] = queued_delivery_chunks(session, message.id, 500)
    return message.id, chunk, addresses


def _message_row(engine, message_id: int):
    with session_scope(engine) as session:
        return session.execute(select(Message.status, Message.open_deliveries).where(Message.id == message_id)).one()


def test_rpt_02_an_address_that_opted_out_after_fan_out_is_claimed_opted_out_and_never_sent(engine):
    """Covers RPT-02 and SYS-10: an unsubscribe between fan-out and dispatch makes the claim mark
    that delivery OPTED_OUT, with why, no attempt spent and none recorded; the others go out, and
    the message completes with nothing open."""
    message_id, chunk, addresses = _queued_email(engine, 3)
    with session_scope(engine) as session:
        record_opt_out(session, Channel.EMAIL, addresses[1].upper(), source="test: an unsubscribe")
    plugin = KeepingEmail(KeepingEmail.Config())
    result = dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: plugin}), chunk, current().delivery)
    assert result.sent == 2 and sorted(e.to for e in plugin.envelopes) == sorted([addresses[0], addresses[2]])
    with session_scope(engine) as session:
        opted = session.execute(select(Delivery).where(Delivery.message_id == message_id,
                                                       Delivery.address == addresses[1])).scalars().one()
        attempts = session.execute(select(func.count()).select_from(DeliveryAttempt).where(
            DeliveryAttempt.delivery_id == opted.id)).scalar_one()
    assert (opted.status, opted.reason, opted.attempts, attempts) == (
        "OPTED_OUT", "opted out after the message was planned", 0, 0)
    assert _message_row(engine, message_id) == ("COMPLETED", 0)


def test_job_05_an_outcome_for_a_delivery_settled_meanwhile_is_not_counted_twice(engine):
    """Covers JOB-05: while the provider has the chunk, the queue run's recovery takes it for a
    crashed worker's and settles it (outcome unknown). The outcomes that come back later do not
    overwrite it, and the message's count of open deliveries is lowered once per delivery: it
    reaches nought, never below."""
    message_id, chunk, _ = _queued_email(engine, 3)
    registry = ChannelRegistry({ChannelKind.EMAIL: KeepingEmail(KeepingEmail.Config())})

    def recovery_runs(_batch):
        with session_scope(engine) as session:
            assert reconcile_stuck_sending(session, registry, utcnow(), older_than=dt.timedelta(0))["FAILED"] == 3

    plugin = KeepingEmail(KeepingEmail.Config(), during_send=recovery_runs)
    dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: plugin}), chunk, current().delivery)
    with session_scope(engine) as session:
        codes = session.execute(select(Delivery.status, Delivery.error_code).where(Delivery.id.in_(chunk))).all()
    assert codes == [("FAILED", "OUTCOME_UNKNOWN")] * 3
    assert _message_row(engine, message_id) == ("COMPLETED", 0)


def test_job_05_a_status_callback_during_the_send_settles_its_delivery_once(engine):
    """Covers JOB-05: the provider's DELIVERED callback for a delivery arrives before dispatch has
    recorded the send's outcome. The callback settles it; the outcome recorded after finds it
    moved and does not count it again, and the message completes with nothing open."""
    message_id, chunk, _ = _queued_email(engine, 3)

    def callback(_batch):
        with session_scope(engine) as session:
            applied = apply_provider_events(session, [ChannelKind.EMAIL], [StatusEvent(str(chunk[0]), "DELIVERED")],
                                            current().links.keys)
        assert applied.statuses == 1
        assert _message_row(engine, message_id) == ("SENDING", 2)

    plugin = KeepingEmail(KeepingEmail.Config(), during_send=callback)
    dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: plugin}), chunk, current().delivery)
    with session_scope(engine) as session:
        statuses = session.execute(select(Delivery.status).where(Delivery.id.in_(chunk)).order_by(Delivery.id)).scalars()
        assert list(statuses) == ["DELIVERED", "SENT", "SENT"]
    assert _message_row(engine, message_id) == ("COMPLETED", 0)


@pytest.mark.skipif(USES_POSTGRES, reason="SQLite's record reads, then writes; PostgreSQL's is one statement")
def test_job_05_sqlite_reads_what_it_settles_inside_its_write_transaction(engine):
    """Covers JOB-05 on SQLite: the record reads which deliveries are still SENDING only once its
    transaction holds the write lock, so nothing can settle them between that read and its UPDATE."""
    message_id, chunk, _ = _queued_email(engine, 2)
    seen = []

    def after(connection, _cursor, statement, *_args):
        if statement.lstrip().startswith("SELECT delivery.message_id") and "delivery.status" in statement:
            seen.append(connection.connection.dbapi_connection.in_transaction)

    event.listen(engine, "after_cursor_execute", after)
    try:
        dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: KeepingEmail(KeepingEmail.Config())}), chunk,
                            current().delivery)
    finally:
        event.remove(engine, "after_cursor_execute", after)
    assert seen == [True]
    assert _message_row(engine, message_id) == ("COMPLETED", 0)


@pytest.mark.skipif(not USES_POSTGRES, reason="the one-statement record is PostgreSQL's; SQLite runs in-process")
def test_job_05_a_chunk_is_recorded_in_one_statement_on_postgresql(engine):
    """Covers JOB-05 (issue 20 point 1): outcomes, attempts and the message's counter (and its
    completion) are one statement, one round trip; every delivery gets its outcome and attempt."""
    message_id, chunk, _ = _queued_email(engine, 4)
    plugin = KeepingEmail(KeepingEmail.Config())
    with count_statements(engine, this_thread_only=True) as statements:
        dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: plugin}), chunk, current().delivery)
    attempts_written = [s for s in statements if "INSERT INTO delivery_attempt" in s]
    message_updates = [s for s in statements if "UPDATE message" in s]
    assert len(attempts_written) == 1 and message_updates == attempts_written
    assert "UPDATE delivery" in attempts_written[0]
    with session_scope(engine) as session:
        rows = session.execute(select(Delivery.status, Delivery.provider_id, Delivery.sent_at).where(
            Delivery.id.in_(chunk))).all()
        attempts = session.execute(select(DeliveryAttempt.outcome, DeliveryAttempt.plugin).where(
            DeliveryAttempt.delivery_id.in_(chunk))).all()
    assert all(status == "SENT" and provider_id.startswith("p-") and sent_at for status, provider_id, sent_at in rows)
    assert sorted(attempts) == [("Sent", "keeping")] * len(chunk)
    assert _message_row(engine, message_id) == ("COMPLETED", 0)


def test_signed_links_are_built_only_for_a_plugin_that_renders_a_body(engine):
    """Issue 20 point 3: the ``discard`` plugin declares it renders no body, so its email
    envelopes carry no signed unsubscribe link or return path; a plugin that sends email gets
    them, each naming its own delivery."""
    _, discarded, _ = _queued_email(engine, 2)
    _, sent, _ = _queued_email(engine, 2)
    discard = KeepingDiscard(KeepingDiscard.Config())
    dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: discard}), discarded, current().delivery)
    received = discard.envelopes
    assert not DiscardChannel.capabilities.renders_body and len(received) == 2
    assert all(e.unsubscribe_url is None and e.return_path is None for e in received)
    rendering = KeepingEmail(KeepingEmail.Config())
    dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: rendering}), sent, current().delivery)
    links = [e.unsubscribe_url for e in rendering.envelopes]
    assert len(links) == 2 and all(links) and len(set(links)) == 2


class RefusingWithNul(EmailChannel):
    """Refuses every email with a reply text holding a NUL, as a broken server may send."""

    name = "refusing"

    def send(self, batch):
        return [PermanentFailure(envelope.reference, "550", "mailbox\x00 unknown") for envelope in batch]


def test_job_05_an_outcome_detail_with_a_nul_is_recorded_without_it(engine):
    """Covers JOB-05: PostgreSQL's text cannot hold a NUL; a provider's reply with one is recorded
    without it instead of failing the chunk's whole record (which left every delivery SENDING)."""
    message_id, chunk, _ = _queued_email(engine, 2)
    dispatch_deliveries(engine, ChannelRegistry({ChannelKind.EMAIL: RefusingWithNul(RefusingWithNul.Config())}),
                        chunk, current().delivery)
    with session_scope(engine) as session:
        rows = session.execute(select(Delivery.status, Delivery.reason).where(Delivery.id.in_(chunk))).all()
        details = session.execute(select(DeliveryAttempt.detail).where(DeliveryAttempt.delivery_id.in_(chunk))).scalars()
        assert set(details) == {"mailbox unknown"}
    assert rows == [("FAILED", "mailbox unknown")] * 2
    assert _message_row(engine, message_id) == ("COMPLETED", 0)
