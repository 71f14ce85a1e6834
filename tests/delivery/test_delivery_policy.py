"""The delivery policy (issue 14 point 2): every path that hands deliveries to dispatch, and
dispatch itself, honour each plugin's declared capabilities."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import pytest
from sqlalchemy import select, update

from channels.base import Capabilities, PermanentFailure, Sent, VoiceChannel
from harness import USES_REDIS
from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from factories import add_contact, add_student, email, first_school_id, phone
from helpers import gid, gql, token_for, wait_for_message
from models.db import session_scope, utcnow
from models.messaging import Delivery
from resolve import request, viewer_for

RESEND = """mutation($id: ID!) { resendToFailed(messageId: $id) { ... on ResendToFailedSuccess { requeued message { status } } } }"""
CALLS = 120


class FiftyAtATimeVoice(VoiceChannel):
    """A voice plugin that takes at most 50 calls a batch, as twilio-voice does, and notes each
    batch it is handed; it fails every call until told to send."""

    name: ClassVar[str] = "fifty-at-a-time"
    capabilities: ClassVar[Capabilities] = Capabilities(max_batch=50)
    batches: ClassVar[list[int]] = []
    failing: ClassVar[bool] = True

    def send(self, batch):
        type(self).batches.append(len(batch))
        if type(self).failing:
            return [PermanentFailure(envelope.reference, "BUSY") for envelope in batch]
        return [Sent(envelope.reference, f"call-{envelope.reference}") for envelope in batch]


@pytest.fixture
def fifty_at_a_time(monkeypatch, runtime):
    """The test runtime's plugins, with FiftyAtATimeVoice serving calls (for the in-process worker
    and the resolvers alike); dispatch chunks of 500 (the default HOMEROOM_DISPATCH_BATCH_SIZE)."""
    import dataclasses

    plugin = FiftyAtATimeVoice(FiftyAtATimeVoice.Config())
    for kind in FiftyAtATimeVoice.kinds:
        monkeypatch.setitem(runtime.registry._by_kind, kind, plugin)
    jobs = runtime.jobs  # the runtime is frozen, as in production: swapped here and put back
    object.__setattr__(runtime, "jobs", dataclasses.replace(jobs, dispatch_batch_size=500))
    monkeypatch.setattr(FiftyAtATimeVoice, "batches", [])
    monkeypatch.setattr(FiftyAtATimeVoice, "failing", True)
    yield runtime.registry
    object.__setattr__(runtime, "jobs", jobs)


@pytest.mark.skipif(USES_REDIS, reason="the worker runs in another process, with the configured plugins")
def test_a_queue_run_chunk_and_a_resend_chunk_never_hand_a_plugin_more_than_its_max_batch(
        client, engine, fifty_at_a_time):
    """Issue 14 point 2 (JOB-05, RPT resend): 120 calls for a plugin declaring max_batch=50, with
    dispatch chunks of 500. Handed out by a queue run, then queued again by resendToFailed, the
    plugin is never given more than 50 envelopes at once, and every call reaches it each time."""
    from jobs.queue_clock import queue_tick

    school = first_school_id(engine)
    kids = [add_student(engine, school) for _ in range(CALLS)]
    for kid in kids:  # an email too: later tests message the newest students by email
        add_contact(engine, kid, custodial=True, mobile_phone=phone(), email=email("policy"))
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request(
            "PRIMARY_CONTACTS", kids, channels=("VOICE",), call_text="School is closed tomorrow."))
        fan_out(session, message.id)
        # No hand-on job ran for this message: its calls are left to the queue run, as after a
        # lost job (a QUEUED delivery untouched for a while).
        session.execute(update(Delivery).where(Delivery.message_id == message.id)
                        .values(updated_at=utcnow() - dt.timedelta(hours=1)))
    token = token_for(engine, "admin")

    queue_tick()
    assert wait_for_message(client, token, gid("Message", message.id))["status"] == "COMPLETED"
    assert sum(FiftyAtATimeVoice.batches) == CALLS and max(FiftyAtATimeVoice.batches) <= 50, \
        FiftyAtATimeVoice.batches

    FiftyAtATimeVoice.batches.clear()
    FiftyAtATimeVoice.failing = False
    resent = gql(client, RESEND, {"id": gid("Message", message.id)}, token)["data"]["resendToFailed"]
    assert resent == {"requeued": CALLS, "message": {"status": "SENDING"}}
    assert wait_for_message(client, token, gid("Message", message.id))["status"] == "COMPLETED"
    assert sum(FiftyAtATimeVoice.batches) == CALLS and max(FiftyAtATimeVoice.batches) <= 50, \
        FiftyAtATimeVoice.batches
    with session_scope(engine) as session:
        assert set(session.execute(select(Delivery.status).where(Delivery.message_id == message.id))
                   .scalars()) == {"SENT"}


def test_work_after_commit_runs_once_committed_and_never_after_a_rollback(engine):
    """Issue 14 point 2: a domain action's jobs start after its transaction commits (as Saleor's
    actions use on_commit); a rollback, of the transaction or of the savepoint that scheduled
    them, drops them, and a later commit of the same session does not bring them back."""
    from sqlmodel import Session

    from domain.delivery.policy import after_commit

    ran: list[str] = []
    with Session(engine) as session:
        session.execute(select(Delivery.id).limit(1))
        after_commit(session, lambda: ran.append("kept"))
        with session.begin_nested():
            after_commit(session, lambda: ran.append("in a savepoint"))
        savepoint = session.begin_nested()
        after_commit(session, lambda: ran.append("rolled back savepoint"))
        savepoint.rollback()
        assert ran == []  # nothing before the commit, not even a savepoint's
        session.commit()
        assert ran == ["kept", "in a savepoint"]

        session.execute(select(Delivery.id).limit(1))
        after_commit(session, lambda: ran.append("rolled back"))
        session.rollback()
        session.execute(select(Delivery.id).limit(1))
        session.commit()
    assert ran == ["kept", "in a savepoint"]


class _Row:
    def __init__(self, channel="SMS", attempts=1):
        self.id, self.message_id, self.channel, self.attempts, self.address = 7, 3, channel, attempts, "+13125550101"


def test_decide_says_what_each_outcome_does_to_its_delivery():
    """Issue 14 point 2: dispatch's rules, one pure function. Sent; a retry while attempts remain
    (a provider's Retry-After wins, JOB-05 never resends what was sent); retries exhausted; an
    opt-out the provider enforces; a dead number on a call (JOB-06); a delivery that stepped
    aside spends no attempt."""
    from channels.base import OPTED_OUT, UNREACHABLE, Retryable
    from domain.delivery.sending.decisions import MAX_ATTEMPTS, STEP_ASIDE_SECONDS, SteppedAside, decide

    assert decide(_Row(), Sent("7", "p")).status == "SENT"
    retry = decide(_Row(attempts=1), Retryable("7", 12.0, "429"))
    assert (retry.status, retry.retry_in, retry.code, retry.attempt) == ("QUEUED", 12.0, "429", "Retryable")
    exhausted = decide(_Row(attempts=MAX_ATTEMPTS), Retryable("7", None, None))
    assert (exhausted.status, exhausted.code, exhausted.retry_in) == ("FAILED", "RETRIES_EXHAUSTED", None)
    opted = decide(_Row(), PermanentFailure("7", OPTED_OUT))
    assert opted.status == "OPTED_OUT" and opted.opts_out
    assert decide(_Row("VOICE"), PermanentFailure("7", UNREACHABLE)).unreachable_call
    assert not decide(_Row("SMS"), PermanentFailure("7", UNREACHABLE)).unreachable_call
    aside = decide(_Row(), SteppedAside("7"))
    assert (aside.status, aside.attempt, aside.retry_in) == ("QUEUED", None, STEP_ASIDE_SECONDS)


def test_every_declared_capability_is_enforced_before_the_plugin_is_called():
    """Issue 14 point 2: max_batch splits, max_body_length and attachments refuse the envelopes
    a plugin says it cannot take (each a PermanentFailure with its own code), in one place."""
    from channels.base import ATTACHMENTS_NOT_SUPPORTED, BODY_TOO_LONG, Attachment, EmailEnvelope, SmsEnvelope

    sms = [SmsEnvelope(reference=str(n), message_id=1, to="+13125550101", recipient_name="A", text="x" * n)
           for n in range(1, 8)]
    batches, refused = Capabilities(max_batch=2, max_body_length=5).fit(sms)
    assert [[e.reference for e in batch] for batch in batches] == [["1", "2"], ["3", "4"], ["5"]]
    assert [(o.reference, o.code) for o in refused] == [("6", BODY_TOO_LONG), ("7", BODY_TOO_LONG)]

    files = (Attachment("a.pdf", "application/pdf", b"%PDF"),)
    mail = [EmailEnvelope(reference=str(n), message_id=1, to="a@example.org", recipient_name="A", from_name="S",
                          subject="s", html_body="<p>x</p>", text_body="x", attachments=files if n else ())
            for n in range(2)]
    batches, refused = Capabilities(max_batch=10).fit(mail)
    assert [[e.reference for e in batch] for batch in batches] == [["0"]]
    assert [(o.reference, o.code) for o in refused] == [("1", ATTACHMENTS_NOT_SUPPORTED)]
    assert Capabilities(max_batch=10, attachments=True).fit(mail) == ([mail], [])


def test_a_stored_send_stays_a_success_when_its_jobs_cannot_be_enqueued(engine, runtime, caplog):
    """Found by bench/fuzz.py: a hand-off after the commit that the broker refuses (Redis away, a
    process with no such queue) raised from inside session.commit, so graph.errors.perform rolled
    back a committed session and a stored send answered INTERNAL_SERVER_ERROR. The hand-on and
    dispatch jobs are logged instead (no ids), and the next queue run hands out what they would
    have (domain.delivery.queue_run.stale_fan_outs, stale QUEUED deliveries)."""
    import dataclasses

    from dramatiq.brokers.stub import StubBroker
    from sqlmodel import Session

    from domain.delivery.lanes import Lane
    from domain.delivery.policy import after_commit

    refusing = dataclasses.replace(runtime.jobs, broker=StubBroker())  # declares none of the queues
    ran: list[str] = []
    with Session(engine) as session:
        session.execute(select(Delivery.id).limit(1))
        after_commit(session, lambda: refusing.hand_on(12345, Lane.NORMAL))
        after_commit(session, lambda: refusing.dispatch([(Lane.NORMAL, [12345])]))
        after_commit(session, lambda: ran.append("later work"))
        session.commit()  # raised QueueNotFound before
    assert ran == ["later work"]
    assert [r.getMessage() for r in caplog.records if r.name == "jobs.job_queue"] == [
        "a hand-on job not enqueued after a commit (QueueNotFound); the next queue run hands the message on",
        "dispatch jobs not enqueued after a commit (QueueNotFound); the next queue run hands them out"]
