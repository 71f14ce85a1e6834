"""What only a queue run sends (JOB-04), every email recorded (JOB-02), and the queue clock's interval."""

from __future__ import annotations

import time

from sqlalchemy import select

from factories import add_app_device, add_user, first_school_id
from harness import USES_REDIS
from helpers import gid, gql, pk_of, token_for, wait_for_message
from homeroom.settings import Settings
from jobs.queue_clock import queue_tick
from models.db import session_scope
from models.messaging import Delivery, DeliveryAttempt

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename ... on SendMessageSuccess { message { id } } ... on SendMessageErrors { errors { field code } } } }"""


def _statuses(engine, message_id):
    with session_scope(engine) as session:
        return dict(session.execute(select(Delivery.channel, Delivery.status)
                                    .where(Delivery.message_id == pk_of(message_id))).all())


def test_job_04_push_goes_out_only_in_a_queue_run(client, engine):
    """Covers JOB-04: a message's email is sent by the worker at once, while its push waits,
    QUEUED, until a queue run sends it. The colleague's in-app row is DELIVERED at fan-out and
    neither the worker nor the queue run hands it to a plugin (no attempt is recorded)."""
    token = token_for(engine, "admin")
    colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher",
                         email="colleague@staff.example.org")
    add_app_device(engine, colleague)
    sent = gql(client, SEND, {"input": {"subject": "Push", "htmlBody": "<p>x</p>", "channels": ["EMAIL", "PUSH"],
                                        "staffIds": [gid("User", colleague)]}}, token)["data"]["sendMessage"]
    assert sent["__typename"] == "SendMessageSuccess", sent
    message_id = sent["message"]["id"]
    deadline = time.monotonic() + 60
    while _statuses(engine, message_id).get("EMAIL") != "SENT" and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    assert _statuses(engine, message_id) == {"EMAIL": "SENT", "PUSH": "QUEUED", "INAPP": "DELIVERED"}
    queue_tick()
    assert wait_for_message(client, token, message_id)["status"] == "COMPLETED"
    assert _statuses(engine, message_id) == {"EMAIL": "SENT", "PUSH": "SENT", "INAPP": "DELIVERED"}
    with session_scope(engine) as session:
        attempted = set(session.execute(select(Delivery.channel).join(DeliveryAttempt, DeliveryAttempt.delivery_id
                                                                      == Delivery.id)
                                        .where(Delivery.message_id == pk_of(message_id))).scalars())
    assert attempted == {"EMAIL", "PUSH"}


def test_job_01_the_queue_runs_by_default_at_a_configurable_interval(client, monkeypatch):
    """Covers JOB-01: the communication queue is installed by default (the serving process of
    embedded mode runs its clock; production runs homeroom scheduler) and runs every
    HOMEROOM_QUEUE_INTERVAL_SECONDS. The default is 60 s, as the delivery-pipeline issue asks,
    not the 15 minutes of the requirement's reading (docs/delivery.md says why); 900 gives that. A
    bad value is refused."""
    import threading
    import time

    import pytest
    from pydantic import ValidationError

    import jobs.queue_clock
    from jobs.queue_clock import THREAD_NAME, start_thread

    if not USES_REDIS:  # embedded mode: the app under test runs the queue's clock itself
        assert any(thread.name == THREAD_NAME and thread.is_alive() for thread in threading.enumerate())
    assert Settings.model_fields["queue_interval_seconds"].default == 60
    assert Settings(queue_interval_seconds=900).queue_interval_seconds == 900
    with pytest.raises(ValidationError):
        Settings(queue_interval_seconds=0)
    runs = []
    monkeypatch.setattr(jobs.queue_clock, "queue_tick", lambda: runs.append(time.monotonic()))
    thread, stop = start_thread(interval_seconds=0.2)
    time.sleep(1.1)
    stop.set()
    thread.join(timeout=5)
    assert 4 <= len(runs) <= 7 and all(b - a >= 0.19 for a, b in zip(runs, runs[1:]))


def test_job_02_every_email_that_left_is_recorded_in_the_ledger(client, engine):
    """Covers JOB-02: every email the outbox received in this test run (every test's, so far)
    names a delivery of the ledger that is an EMAIL delivery recorded as SENT (or FAILED when it
    bounced afterwards), with its attempt; no email leaves any other way."""
    from email import policy
    from email.parser import BytesParser

    from harness import OUTBOX_DIR
    from models.messaging import DeliveryAttempt

    files = sorted((OUTBOX_DIR / "email").glob("*.eml"))
    assert files, "earlier tests sent email"
    references = {}
    for path in files:
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        references[int(parsed["X-Homeroom-Delivery"])] = parsed["To"].addresses[0].addr_spec
    with session_scope(engine) as session:
        rows = {row.id: row for row in session.execute(
            select(Delivery.id, Delivery.channel, Delivery.status, Delivery.reason, Delivery.address)
            .where(Delivery.id.in_(list(references)))).all()}
        attempted = set(session.execute(select(DeliveryAttempt.delivery_id).where(
            DeliveryAttempt.delivery_id.in_(list(references)), DeliveryAttempt.plugin == "outbox")).scalars())
    assert set(rows) == set(references)
    assert all(row.channel == "EMAIL" and (row.status == "SENT" or (row.status, row.reason) == ("FAILED", "bounced"))
               for row in rows.values())
    assert all(rows[ref].address == to for ref, to in references.items())
    assert attempted == set(references)

