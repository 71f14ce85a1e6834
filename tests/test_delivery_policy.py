"""The delivery policy (issue 14 point 2): every path that hands deliveries to dispatch, and
dispatch itself, honour each plugin's declared capabilities."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import pytest
from sqlalchemy import select, update

from channels.base import Capabilities, PermanentFailure, Sent, VoiceChannel
from channels.registry import ChannelRegistry
from conftest import USES_REDIS
from domain.delivery.fan_out import fan_out
from domain.messages.send import create_message
from factories import add_contact, add_student, first_school_id, phone
from helpers import gql, token_for, wait_for_message
from models.db import session_scope, utcnow
from models.messaging import Delivery
from resolve import request, viewer_for

RESEND = """mutation($id: ID!) { resendToFailed(messageId: $id) { requeued message { status } } }"""
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
def fifty_at_a_time(monkeypatch):
    """The configured plugins, with FiftyAtATimeVoice serving calls, for the in-process worker;
    dispatch chunks of 500 (the default HOMEROOM_DISPATCH_BATCH_SIZE)."""
    import jobs.dispatch
    import jobs.runtime
    from homeroom.settings import get_settings

    configured = jobs.runtime.channel_registry()
    registry = ChannelRegistry({**{kind: configured.for_kind(kind) for kind in configured.kinds()},
                                **{kind: FiftyAtATimeVoice(FiftyAtATimeVoice.Config()) for kind in
                                   FiftyAtATimeVoice.kinds}})
    for module in (jobs.runtime, jobs.dispatch):
        monkeypatch.setattr(module, "channel_registry", lambda: registry)
    monkeypatch.setattr(get_settings(), "dispatch_batch_size", 500)
    monkeypatch.setattr(FiftyAtATimeVoice, "batches", [])
    monkeypatch.setattr(FiftyAtATimeVoice, "failing", True)
    return registry


@pytest.mark.skipif(USES_REDIS, reason="the worker runs in another process, with the configured plugins")
def test_a_queue_run_chunk_and_a_resend_chunk_never_hand_a_plugin_more_than_its_max_batch(
        client, engine, fifty_at_a_time):
    """Issue 14 point 2 (JOB-05, RPT resend): 120 calls for a plugin declaring max_batch=50, with
    dispatch chunks of 500. Handed out by a queue run, then queued again by resendToFailed, the
    plugin is never given more than 50 envelopes at once, and every call reaches it each time."""
    from jobs.queue_clock import queue_tick

    school = first_school_id(engine)
    kids = [add_student(engine, school) for _ in range(CALLS)]
    for kid in kids:
        add_contact(engine, kid, custodial=True, mobile_phone=phone())
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
    assert wait_for_message(client, token, str(message.id))["status"] == "COMPLETED"
    assert sum(FiftyAtATimeVoice.batches) == CALLS and max(FiftyAtATimeVoice.batches) <= 50, \
        FiftyAtATimeVoice.batches

    FiftyAtATimeVoice.batches.clear()
    FiftyAtATimeVoice.failing = False
    resent = gql(client, RESEND, {"id": str(message.id)}, token)["data"]["resendToFailed"]
    assert resent == {"requeued": CALLS, "message": {"status": "SENDING"}}
    assert wait_for_message(client, token, str(message.id))["status"] == "COMPLETED"
    assert sum(FiftyAtATimeVoice.batches) == CALLS and max(FiftyAtATimeVoice.batches) <= 50, \
        FiftyAtATimeVoice.batches
    with session_scope(engine) as session:
        assert set(session.execute(select(Delivery.status).where(Delivery.message_id == message.id))
                   .scalars()) == {"SENT"}
