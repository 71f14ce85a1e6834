"""The twilio SMS plugin on the official SDK, against the Prism mock of Twilio's published API
description; its callbacks signed with the SDK's RequestValidator and posted through Homeroom's
webhook route; opt-out keywords and error 21610 end to end."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from channels.base import (
    OPTED_OUT,
    ChannelKind,
    InboundEvent,
    PermanentFailure,
    Retryable,
    Sent,
    SmsEnvelope,
    StatusEvent,
)
from channels.registry import ChannelRegistry
from channels.testing import PluginConformance
from channels.twilio.sms import TwilioSmsChannel, TwilioSmsConfig
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from factories import add_contact, add_student, email, first_school_id, phone
from homeroom.settings import get_settings
from homeroom.routes.webhooks import webhook_router
from jobs.runtime import current
from models.db import session_scope
from models.messaging import ChannelOptOut, Delivery
from models.conversations import ThreadReply
from resolve import request, viewer_for
from peers.twilio_api import ACCOUNT_SID, AUTH_TOKEN, twilio_errors, twilio_mock  # noqa: F401  (fixtures)
from peers.twilio_api import signed

PUBLIC = "https://homeroom.example.org"
FROM = "+13125550199"


def plugin(api_base_url: str) -> TwilioSmsChannel:
    return TwilioSmsChannel(TwilioSmsConfig(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=FROM,
                                            public_base_url=PUBLIC, api_base_url=api_base_url))


def envelope(reference: str, to: str = "+13125550100") -> SmsEnvelope:
    return SmsEnvelope(reference=reference, message_id=1, to=to, recipient_name="Rosa", text="Bus 12 is late")


def test_sms_goes_through_the_sdk_and_twilios_spec_accepts_it(twilio_mock):  # noqa: F811
    """Each SMS is a Messages create call the Prism mock validates against Twilio's spec (it answers
    422 to a request the spec refuses); the outcome carries the Message SID."""
    outcomes = plugin(twilio_mock).send([envelope("11"), envelope("12", "+13125550101")])
    assert [type(o) for o in outcomes] == [Sent, Sent] and [o.reference for o in outcomes] == ["11", "12"]
    assert all(o.provider_id.startswith("SM") for o in outcomes)


def test_twilio_errors_map_to_outcomes(twilio_errors):  # noqa: F811
    """21610 (the recipient replied STOP) → OPTED_OUT; 429 and 5xx → retry; another 4xx → permanent
    with Twilio's code; no answer at all → retry."""
    twilio_errors.answers = [(400, 21610), (429, 20429), (503, 20503), (400, 21211)]
    outcomes = plugin(twilio_errors.url).send([envelope(str(n)) for n in range(4)])
    assert isinstance(outcomes[0], PermanentFailure) and outcomes[0].code == OPTED_OUT
    assert isinstance(outcomes[1], Retryable) and isinstance(outcomes[2], Retryable)
    assert isinstance(outcomes[3], PermanentFailure) and outcomes[3].code == "21211"
    [gone] = plugin("http://127.0.0.1:9").send([envelope("9")])
    assert isinstance(gone, Retryable) and gone.code == "TWILIO_UNREACHABLE"


class TestTwilioSmsConformance(PluginConformance):
    plugin_class = TwilioSmsChannel
    valid_config = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": FROM}
    invalid_configs = [{}, {"account_sid": "nope", "auth_token": "x", "from_number": FROM},
                       {"account_sid": ACCOUNT_SID, "auth_token": "x"},
                       {"account_sid": ACCOUNT_SID, "auth_token": "x", "from_number": "5551234"}]
    secret_fields = ("auth_token",)
    _status = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID}
    _inbound = {"MessageSid": "SM" + "2" * 32, "From": "+13125550100", "To": FROM, "Body": "Thanks!",
                "SmsStatus": "received"}
    webhook_fixtures = [
        (signed(f"{PUBLIC}/webhooks/twilio?ref=42", _status), urlencode(_status).encode(),
         f"{PUBLIC}/webhooks/twilio?ref=42", [StatusEvent("42", "DELIVERED")]),
        (signed(f"{PUBLIC}/webhooks/twilio", _inbound), urlencode(_inbound).encode(), f"{PUBLIC}/webhooks/twilio",
         [InboundEvent("+13125550100", FROM, "Thanks!", external_id="SM" + "2" * 32)]),
    ]
    forged_webhooks = [
        ({}, urlencode(_status).encode(), f"{PUBLIC}/webhooks/twilio?ref=42"),
        (signed(f"{PUBLIC}/webhooks/twilio?ref=42", _status, "another-token"), urlencode(_status).encode(),
         f"{PUBLIC}/webhooks/twilio?ref=42"),
        (signed(f"{PUBLIC}/webhooks/twilio?ref=41", _status), urlencode(_status).encode(),
         f"{PUBLIC}/webhooks/twilio?ref=42"),
    ]

    @pytest.fixture(autouse=True)
    def _mock(self, request):
        self.request = request

    def plugin_for(self, outcome):
        if outcome == "sent":
            return plugin(self.request.getfixturevalue("twilio_mock"))
        errors = self.request.getfixturevalue("twilio_errors")
        errors.answers = [(429, 20429) if outcome == "retryable" else (400, 21211)] * 200
        return plugin(errors.url)


@pytest.fixture
def callbacks(engine, twilio_mock):  # noqa: F811
    """Homeroom's webhook route, behind the public URL, with the twilio plugin on SMS."""
    sms = plugin(twilio_mock)
    app = FastAPI()
    settings = get_settings().model_copy(update={"public_base_url": PUBLIC})
    app.include_router(webhook_router(settings, engine, ChannelRegistry({ChannelKind.SMS: sms})))
    return TestClient(app), sms


def text_families(engine, sms, numbers, *, allow_reply=True, emergency=False, before_dispatch=None) -> list[Delivery]:
    kids = [add_student(engine, first_school_id(engine)) for _ in numbers]
    for kid, number in zip(kids, numbers):
        add_contact(engine, kid, custodial=True, mobile_phone=number, email=email())
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request(
            "PRIMARY_CONTACTS", kids, channels=("SMS",), allow_reply=allow_reply, emergency=emergency))
        fan_out(session, message.id)
        chunks = queued_delivery_chunks(session, message.id, 500)
    if before_dispatch:
        before_dispatch()
    for chunk in chunks:
        dispatch_deliveries(engine, ChannelRegistry({ChannelKind.SMS: sms}), chunk, current().delivery)
    with session_scope(engine) as session:
        rows = session.execute(select(Delivery).where(Delivery.message_id == message.id)
                               .order_by(Delivery.id)).scalars().all()
        session.expunge_all()
    return rows


def post(client, path: str, params: dict, *, token: str = AUTH_TOKEN):
    return client.post(path, content=urlencode(params), headers=signed(PUBLIC + path, params, token))


def test_status_callbacks_are_verified_and_applied(engine, callbacks):
    """A delivered callback, signed by Twilio, marks the delivery DELIVERED; one with a bad or no
    signature is 403 and changes nothing; a late "sent" leaves it DELIVERED."""
    client, sms = callbacks
    [delivery] = text_families(engine, sms, [phone()])
    assert delivery.status == "SENT" and delivery.provider_id.startswith("SM")
    path = f"/webhooks/twilio?ref={delivery.id}"
    params = {"MessageSid": delivery.provider_id, "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID}
    assert post(client, path, params, token="forged").status_code == 403
    assert client.post(path, content=urlencode(params)).status_code == 403
    with session_scope(engine) as session:
        assert session.get(Delivery, delivery.id).status == "SENT"
    assert post(client, path, params).json()["statuses"] == 1
    assert post(client, path, {**params, "MessageStatus": "sent"}).json()["ignored"] == 1
    with session_scope(engine) as session:
        assert session.get(Delivery, delivery.id).status == "DELIVERED"


def handed_to_twilio(monkeypatch, sms) -> list[str]:
    """The numbers of every SMS the plugin is asked to send from now on (each becomes an API call)."""
    numbers: list[str] = []
    send = sms.send
    monkeypatch.setattr(sms, "send", lambda batch: numbers.extend(e.to for e in batch) or send(batch))
    return numbers


@pytest.mark.parametrize("word", ["STOP", "stopall", "  Unsubscribe ", "CANCEL", "end", "QUIT", "revoke",
                                  "opt out"])
def test_opt_out_words_stop_later_sms_and_start_resubscribes(engine, callbacks, word, monkeypatch):
    """An inbound opt-out word (any case, any surrounding space) records an opt-out of the number:
    the next SMS to it is OPTED_OUT with no provider call; START subscribes it again."""
    client, sms = callbacks
    number = phone()
    [first] = text_families(engine, sms, [number])
    inbound = {"MessageSid": "SM" + first.provider_id[2:], "From": number, "To": FROM, "Body": word,
               "SmsStatus": "received", "AccountSid": ACCOUNT_SID}
    assert post(client, "/webhooks/twilio", inbound).json()["keywords"] == 1
    handed = handed_to_twilio(monkeypatch, sms)
    [second] = text_families(engine, sms, [number])
    assert second.status == "OPTED_OUT" and second.provider_id is None and handed == []  # 0 provider calls
    assert post(client, "/webhooks/twilio", {**inbound, "Body": "start", "MessageSid": "SM" + "9" * 32}).json()[
        "keywords"] == 1
    [third] = text_families(engine, sms, [number])
    assert third.status == "SENT"


def test_an_opt_out_binds_non_emergency_sms_only(engine, callbacks, monkeypatch):
    """SMS-03 with the opt-out rule: a number that texted STOP still gets an emergency SMS, whether
    the STOP came before the message was planned or between planning and sending; a normal SMS
    planned before the STOP is held back when it is sent."""
    client, sms = callbacks
    number, late_number, late_normal_number = phone(), phone(), phone()
    text_families(engine, sms, [number, late_number, late_normal_number])

    def stop(from_number, sid):
        inbound = {"MessageSid": sid, "From": from_number, "To": FROM, "Body": "STOP", "SmsStatus": "received",
                   "AccountSid": ACCOUNT_SID}
        assert post(client, "/webhooks/twilio", inbound).json()["keywords"] == 1

    stop(number, "SM" + "c" * 32)
    handed = handed_to_twilio(monkeypatch, sms)
    [emergency] = text_families(engine, sms, [number], emergency=True)
    assert emergency.status == "SENT" and emergency.provider_id.startswith("SM") and handed == [number]
    [normal] = text_families(engine, sms, [number])
    assert normal.status == "OPTED_OUT" and normal.provider_id is None and handed == [number]

    [late_emergency] = text_families(engine, sms, [late_number], emergency=True,
                                     before_dispatch=lambda: stop(late_number, "SM" + "d" * 32))
    assert late_emergency.status == "SENT"
    [late_normal] = text_families(engine, sms, [late_normal_number],
                                  before_dispatch=lambda: stop(late_normal_number, "SM" + "e" * 32))
    assert late_normal.status == "OPTED_OUT" and late_normal.provider_id is None


def test_error_21610_records_the_opt_out(engine, twilio_errors):  # noqa: F811
    """Twilio refusing an SMS with 21610 marks the delivery OPTED_OUT and records the opt-out, so the
    next message to that number makes no provider call."""
    twilio_errors.answers = [(400, 21610)]
    sms = plugin(twilio_errors.url)
    number = phone()
    [refused] = text_families(engine, sms, [number])
    assert (refused.status, refused.error_code) == ("OPTED_OUT", OPTED_OUT)
    with session_scope(engine) as session:
        assert session.execute(select(ChannelOptOut.source).where(ChannelOptOut.address == number)).scalar_one()
    calls = twilio_errors.calls
    [later] = text_families(engine, sms, [number])
    assert later.status == "OPTED_OUT" and twilio_errors.calls == calls


def test_an_sms_answer_lands_in_the_senders_conversation(engine, callbacks):
    """Any other reply to a message that allowed replies is filed in the conversation with that
    contact; the same MessageSid again is not filed twice."""
    client, sms = callbacks
    number = phone()
    [delivery] = text_families(engine, sms, [number])
    inbound = {"MessageSid": "SM" + "a" * 32, "From": number, "To": FROM, "Body": "Which bus?",
               "SmsStatus": "received", "AccountSid": ACCOUNT_SID}
    assert post(client, "/webhooks/twilio", inbound).json()["replies"] == 1
    assert post(client, "/webhooks/twilio", inbound).json()["ignored"] == 1
    with session_scope(engine) as session:
        reply = session.execute(select(ThreadReply).where(ThreadReply.delivery_id == delivery.id)).scalar_one()
    assert (reply.body_text, reply.correspondent_kind) == ("Which bus?", "CONTACT")


def test_help_is_answered_with_the_districts_help_text(engine, callbacks):
    """HELP (any case) is answered at once, in the webhook's TwiML, with the district's help text;
    nothing is filed or opted out."""
    from helpers import set_district

    client, sms = callbacks
    number = phone()
    text_families(engine, sms, [number])
    inbound = {"MessageSid": "SM" + "b" * 32, "From": number, "To": FROM, "Body": " help ",
               "SmsStatus": "received", "AccountSid": ACCOUNT_SID}
    previous = set_district(engine, sms_help_text="Lincoln USD alerts. Reply STOP to end. Call 312-555-0100 & ask.")
    try:
        answer = post(client, "/webhooks/twilio", inbound)
    finally:
        set_district(engine, **previous)
    assert answer.headers["content-type"].startswith("application/xml")
    assert "<Message>Lincoln USD alerts. Reply STOP to end. Call 312-555-0100 &amp; ask.</Message>" in answer.text
    with session_scope(engine) as session:
        assert not session.execute(select(ChannelOptOut.address).where(ChannelOptOut.address == number)).first()
        assert not session.execute(select(ThreadReply.id).where(ThreadReply.external_message_id == "SM" + "b" * 32)
                                   ).first()
