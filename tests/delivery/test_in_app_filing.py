"""In-app filing off the send's critical path (issue 15: "In-app rows must not slow the fan-out").

A message of more than 100 people has only its external rows written in the request; the hand-on
job writes its in-app rows and files it in its readers' threads once dispatch has its chunks
(domain.delivery.fan_out.file_in_app, claimed once by ``Message.in_app_filed_at``, JOB-05). A
message of up to 100 people is in every inbox when sendMessage answers. The sends here go
through an app whose job queue records the jobs instead of running them, so a test sees the
state between the request's commit and the hand-on job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from channels.base import ChannelKind, EmailChannel, Sent
from channels.registry import ChannelRegistry
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import file_in_app, hand_on
from domain.delivery.policy import complete_messages_with_nothing_open
from domain.delivery.queue_run import due_work
from domain.recipients.plan import plan_message, plan_rows
from factories import seeded_students
from helpers import gid, gids, gql, pk_of, token_for, wait_for_message
from jobs.queue_clock import queue_tick
from models.conversations import ThreadSide
from models.db import session_scope, utcnow
from models.directory import User
from models.messaging import Channel, Delivery, DeliveryStatus, Message

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessageSuccess { message { id status } }
  ... on SendMessageConfirmationRequired { recipientCount familySeed }
  ... on SendMessageErrors { errors { field code } } } }"""
RECALL = """mutation($id: ID!) { recallMessage(id: $id) { ... on RecallMessageSuccess { cancelled message { status } } } }"""

LEDGER_COLUMNS = (Delivery.channel, Delivery.recipient_kind, Delivery.recipient_id, Delivery.address,
                  Delivery.status)


@dataclasses.dataclass
class RecordingJobs:
    """A JobQueue that records what it is given instead of enqueueing it: the state a test sees
    is the one between the request's commit and the hand-on job."""

    chunk_sizes_of: object
    handed_on: list = dataclasses.field(default_factory=list)
    dispatched: list = dataclasses.field(default_factory=list)

    def chunk_sizes(self):
        return self.chunk_sizes_of()

    def dispatch(self, chunks):
        self.dispatched.extend(chunks)

    def hand_on(self, message_id, lane):
        self.handed_on.append(message_id)


class RecordingEmail(EmailChannel):
    """Records every envelope as sent: the external rows become final without the SMTP sink."""

    name = "recording"

    def send(self, batch):
        return [Sent(envelope.reference, f"p-{envelope.reference}") for envelope in batch]


@pytest.fixture(scope="module")
def recorded(runtime):
    return RecordingJobs(runtime.jobs.chunk_sizes)


@pytest.fixture(scope="module")
def recording_client(engine, runtime, recorded):
    """The application with the recording job queue (no worker): sendMessage commits and stops."""
    from starlette.testclient import TestClient

    from homeroom.app import create_app

    with TestClient(create_app(runtime=dataclasses.replace(runtime, jobs=recorded), run_worker=False)) as client:
        yield client


@pytest.fixture(scope="module")
def admin(engine):
    return token_for(engine, "admin")


def send_confirmed(client, token, **fields) -> int:
    """sendMessage, then again with the count and family seed of its CMP-27 answer; the message id."""
    variables = {"input": {"subject": "Filing", "htmlBody": "<p>Filing</p>", "channels": ["EMAIL"], **fields}}
    answer = gql(client, SEND, variables, token)["data"]["sendMessage"]
    if answer["__typename"] == "SendMessageConfirmationRequired":
        variables["input"].update(confirmedRecipientCount=answer["recipientCount"], familySeed=answer["familySeed"])
        answer = gql(client, SEND, variables, token)["data"]["sendMessage"]
    assert answer["__typename"] == "SendMessageSuccess", answer
    return pk_of(answer["message"]["id"])


def large_send(client, token, engine, students: int = 90) -> int:
    """A message to every contact of ``students`` seeded students: more than 100 people."""
    with session_scope(engine) as session:
        ids = seeded_students(session, limit=students)
    return send_confirmed(client, token, recipientType="ALL_CONTACTS", studentIds=gids("Student", ids))


def ledger(engine, message_id: int, *, in_app: bool) -> list[tuple]:
    channel = Delivery.channel == Channel.INAPP.value if in_app else Delivery.channel != Channel.INAPP.value
    with session_scope(engine) as session:
        return [tuple(row) for row in session.execute(
            select(*LEDGER_COLUMNS).where(Delivery.message_id == message_id, channel)).all()]


def message_row(engine, message_id: int) -> Message:
    with session_scope(engine) as session:
        message = session.get(Message, message_id)
        session.expunge(message)
        return message


def people_on_external_rows(engine, message_id: int) -> int:
    with session_scope(engine) as session:
        people = (select(Delivery.recipient_kind, Delivery.recipient_id).distinct()
                  .where(Delivery.message_id == message_id, Delivery.channel != Channel.INAPP.value).subquery())
        return session.execute(select(func.count()).select_from(people)).scalar_one()


def admin_id(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(User.id).where(User.login == "admin")).scalar_one()


def readers(rows: list[tuple]) -> set[int]:
    """The accounts the DELIVERED in-app rows reach."""
    return {int(address.removeprefix("user:")) for _, _, _, address, status in rows
            if status == DeliveryStatus.DELIVERED.value}


def test_a_large_message_is_filed_by_the_hand_on_job_not_the_request(engine, runtime, recording_client,
                                                                      recorded, admin):
    """Covers issue 15 "In-app rows must not slow the fan-out", JOB-05: a message to more than
    100 people has, when sendMessage commits, its external rows and no in-app row; it stays
    SENDING with in_app_filed_at unset even once every external row is final. The hand-on job
    writes one DELIVERED in-app row per account, files it in each reader's thread with the sender
    and completes it; a second hand-on writes nothing more."""
    message_id = large_send(recording_client, admin, engine)
    assert message_id in recorded.handed_on and people_on_external_rows(engine, message_id) > 100
    external = ledger(engine, message_id, in_app=False)
    assert external and ledger(engine, message_id, in_app=True) == []
    before = message_row(engine, message_id)
    assert before.status == "SENDING" and before.fanned_out_at is not None and before.in_app_filed_at is None

    # Every external row final (sent by a recording plugin); the message must still not complete.
    with session_scope(engine) as session:
        queued = list(session.execute(select(Delivery.id).where(
            Delivery.message_id == message_id, Delivery.status == DeliveryStatus.QUEUED.value)).scalars())
    registry = ChannelRegistry({ChannelKind.EMAIL: RecordingEmail(RecordingEmail.Config())})
    assert dispatch_deliveries(engine, registry, queued, runtime.delivery).sent == len(queued) > 0
    with session_scope(engine) as session:
        assert complete_messages_with_nothing_open(session, Message.id == message_id, now=utcnow()) == 0
    still = message_row(engine, message_id)
    assert still.status == "SENDING" and still.open_deliveries == 0 and still.in_app_filed_at is None

    hand_on(engine, recorded, runtime.events, message_id)
    in_app = ledger(engine, message_id, in_app=True)
    delivered = [row for row in in_app if row[4] == DeliveryStatus.DELIVERED.value]
    assert delivered and len({row[3] for row in delivered}) == len(delivered)  # one per account
    assert {row[4] for row in in_app} <= {DeliveryStatus.DELIVERED.value, DeliveryStatus.DUPLICATE.value}
    filed = message_row(engine, message_id)
    assert filed.status == "COMPLETED" and filed.in_app_filed_at is not None
    sender = admin_id(engine)
    with session_scope(engine) as session:
        sides = dict(session.execute(select(ThreadSide.user_id, ThreadSide.last_received_at).where(
            ThreadSide.user_id.in_(readers(in_app)), ThreadSide.correspondent_id == sender)).all())
    assert set(sides) == readers(in_app) and all(at >= before.fanned_out_at for at in sides.values())

    hand_on(engine, recorded, runtime.events, message_id)  # the job delivered again: nothing more
    assert sorted(ledger(engine, message_id, in_app=True)) == sorted(in_app)
    assert message_row(engine, message_id).in_app_filed_at == filed.in_app_filed_at


def test_a_small_message_is_in_every_inbox_when_the_mutation_answers(engine, recording_client, recorded, admin):
    """Covers issue 15 "In-app rows must not slow the fan-out" (and what INB-05/INB-14 rely on):
    a message of up to 100 people writes its in-app rows and files its threads in the request,
    before any job runs, and is marked filed."""
    with session_scope(engine) as session:
        ids = seeded_students(session, limit=12)
    message_id = send_confirmed(recording_client, admin, recipientType="ALL_CONTACTS",
                                studentIds=gids("Student", ids))
    assert people_on_external_rows(engine, message_id) <= 100
    in_app = ledger(engine, message_id, in_app=True)
    assert readers(in_app), "the seeded families of twelve students include account holders"
    message = message_row(engine, message_id)
    assert message.in_app_filed_at is not None and message.in_app_filed_at == message.fanned_out_at
    with session_scope(engine) as session:
        filed = set(session.execute(select(ThreadSide.user_id).where(
            ThreadSide.user_id.in_(readers(in_app)), ThreadSide.correspondent_id == admin_id(engine),
            ThreadSide.last_received_at == message.in_app_filed_at)).scalars())
    assert filed == readers(in_app)
    with session_scope(engine) as session:  # the hand-on job has nothing left to file
        assert file_in_app(session, message_id) is False


def test_a_lost_filing_is_handed_on_again_by_the_queue_run_and_filed_once(client, engine, recording_client,
                                                                         recorded, admin):
    """Covers JOB-05 and issue 15 "In-app rows must not slow the fan-out": a large message whose
    hand-on job was lost (fanned out 11 minutes ago, never filed) is among the queue run's due
    fan-outs; the queue run hands it on, the job dispatches and files it, and running the job
    again writes no second in-app row."""
    message_id = large_send(recording_client, admin, engine)
    with session_scope(engine) as session:
        session.execute(update(Message).where(Message.id == message_id)
                        .values(fanned_out_at=utcnow() - dt.timedelta(minutes=11)))
    with session_scope(engine) as session:
        due = due_work(session, utcnow(), recorded.chunk_sizes())
    assert message_id in {message for _, message in due.fan_outs}

    queue_tick()  # hands it on with the runtime's real jobs
    assert wait_for_message(client, admin, gid("Message", message_id))["status"] == "COMPLETED"
    in_app = ledger(engine, message_id, in_app=True)
    assert readers(in_app)
    filed_at = message_row(engine, message_id).in_app_filed_at
    with session_scope(engine) as session:
        again = due_work(session, utcnow(), recorded.chunk_sizes())
        assert message_id not in {message for _, message in again.fan_outs}
        assert file_in_app(session, message_id) is False
    assert sorted(ledger(engine, message_id, in_app=True)) == sorted(in_app)
    assert message_row(engine, message_id).in_app_filed_at == filed_at


def test_the_plan_lists_the_in_app_rows_the_filing_writes(engine, runtime, recording_client, recorded, admin):
    """Covers issue 15 "In-app rows must not slow the fan-out" (the plan still equals the send):
    the plan of a large message, made from the stored message, lists exactly the in-app rows the
    hand-on job writes for it (channel, recipient, address and status)."""
    message_id = large_send(recording_client, admin, engine)
    with Session(engine) as session:
        try:
            message = session.get(Message, message_id)
            plan_message(session, message)
            _, rows = plan_rows(session, message, offset=0, limit=1_000_000, will_send=None)
            planned = sorted((row.channel, row.recipient_kind, row.recipient_id, row.address, row.status)
                             for row in rows if row.channel == Channel.INAPP.value)
        finally:
            session.rollback()
    assert planned and ledger(engine, message_id, in_app=True) == []
    hand_on(engine, recorded, runtime.events, message_id)
    assert sorted(ledger(engine, message_id, in_app=True)) == planned


def test_a_message_recalled_before_filing_gets_no_in_app_rows(engine, runtime, recording_client, recorded, admin):
    """Covers JOB-05 and issue 15 "In-app rows must not slow the fan-out": a large message
    recalled before its hand-on job ran is cancelled; the job then marks it filed (so no queue
    run hands it on again) and writes no in-app row for it."""
    message_id = large_send(recording_client, admin, engine)
    recalled = gql(recording_client, RECALL, {"id": gid("Message", message_id)}, admin)["data"]["recallMessage"]
    assert recalled["message"]["status"] == "CANCELLED" and recalled["cancelled"] > 0
    hand_on(engine, recorded, runtime.events, message_id)
    message = message_row(engine, message_id)
    assert message.status == "CANCELLED" and message.in_app_filed_at is not None
    assert ledger(engine, message_id, in_app=True) == []
    with session_scope(engine) as session:
        assert message_id not in {m for _, m in due_work(session, utcnow() + dt.timedelta(hours=1),
                                                          recorded.chunk_sizes()).fan_outs}
