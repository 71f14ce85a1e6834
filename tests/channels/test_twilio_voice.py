"""The twilio-voice plugin on the official SDK against the Prism mock of Twilio's API; the TwiML
route that says each call's script; call status callbacks; the test call (VOI-09)."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from channels.base import UNREACHABLE, ChannelKind, PermanentFailure, Retryable, Sent, StatusEvent, VoiceEnvelope
from channels.registry import ChannelRegistry
from channels.testing import PluginConformance
from channels.twilio.voice import TwilioVoiceChannel, TwilioVoiceConfig
from harness import OUTBOX_DIR
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from factories import add_contact, add_student, first_school_id, phone
from helpers import gql, row_counts, token_for
from homeroom.settings import get_settings
from homeroom.routes.voice import voice_router
from homeroom.routes.webhooks import webhook_router
from jobs.runtime import current
from models.db import session_scope
from models.messaging import Delivery
from resolve import request, viewer_for
from peers.twilio_api import signed
from peers.twilio_api import ACCOUNT_SID, AUTH_TOKEN, twilio_errors, twilio_mock  # noqa: F401  (fixtures)

PUBLIC = "https://homeroom.example.org"
FROM = "+13125550198"


def plugin(api_base_url: str) -> TwilioVoiceChannel:
    return TwilioVoiceChannel(TwilioVoiceConfig(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=FROM,
                                                public_base_url=PUBLIC, api_base_url=api_base_url))


def call(reference: str, *, content_url: str | None = f"{PUBLIC}/voice/1.x/twiml") -> VoiceEnvelope:
    return VoiceEnvelope(reference=reference, message_id=1, to="+13125550100", recipient_name="Rosa",
                         script="School is closed today.", caller_id="+13125550177", content_url=content_url)


def test_calls_go_through_the_sdk_and_twilios_spec_accepts_them(twilio_mock):  # noqa: F811
    """A call (TwiML fetched from Homeroom, voicemail detection, status callbacks) and a test call
    (TwiML inline) are Calls create requests the Prism mock validates against Twilio's spec."""
    outcomes = plugin(twilio_mock).send([call("21"), call("22", content_url=None)])
    assert [type(o) for o in outcomes] == [Sent, Sent] and all(o.provider_id.startswith("CA") for o in outcomes)


def test_unreachable_numbers_and_other_errors_map_to_outcomes(twilio_errors):  # noqa: F811
    """An invalid or unreachable number is UNREACHABLE (JOB-06 takes it from there); 429 retries;
    other errors carry Twilio's code."""
    twilio_errors.answers = [(400, 21217), (429, 20429), (400, 21205)]
    unreachable, busy, other = plugin(twilio_errors.url).send([call(str(n)) for n in range(3)])
    assert isinstance(unreachable, PermanentFailure) and unreachable.code == UNREACHABLE
    assert isinstance(busy, Retryable)
    assert isinstance(other, PermanentFailure) and other.code == "21205"


class TestTwilioVoiceConformance(PluginConformance):
    plugin_class = TwilioVoiceChannel
    valid_config = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": FROM}
    invalid_configs = [{}, {"account_sid": ACCOUNT_SID, "auth_token": "x"},
                       {"account_sid": ACCOUNT_SID, "auth_token": "x", "from_number": "12"}]
    secret_fields = ("auth_token",)
    _done = {"CallSid": "CA" + "1" * 32, "CallStatus": "completed", "AnsweredBy": "machine_end_beep"}
    _busy = {"CallSid": "CA" + "2" * 32, "CallStatus": "busy"}
    webhook_fixtures = [
        (signed(f"{PUBLIC}/webhooks/twilio-voice?ref=7", _done), urlencode(_done).encode(),
         f"{PUBLIC}/webhooks/twilio-voice?ref=7", [StatusEvent("7", "DELIVERED", None, "voicemail")]),
        (signed(f"{PUBLIC}/webhooks/twilio-voice?ref=8", _busy), urlencode(_busy).encode(),
         f"{PUBLIC}/webhooks/twilio-voice?ref=8", [StatusEvent("8", "FAILED", "BUSY")]),
    ]
    forged_webhooks = [({}, urlencode(_done).encode(), f"{PUBLIC}/webhooks/twilio-voice?ref=7")]

    @pytest.fixture(autouse=True)
    def _fixtures(self, request):
        self.request = request

    def plugin_for(self, outcome):
        if outcome == "sent":
            return plugin(self.request.getfixturevalue("twilio_mock"))
        errors = self.request.getfixturevalue("twilio_errors")
        errors.answers = [(429, 20429) if outcome == "retryable" else (400, 21205)] * 200
        return plugin(errors.url)


def test_voi_07_voi_08_voi_11_the_answered_call_says_its_own_script(engine, twilio_mock):  # noqa: F811
    """Covers VOI-07, VOI-08, VOI-11: each call fetches its TwiML from Homeroom once answered (after
    a voicemail's greeting, with detection on): the script with the student's name, escaped; a
    forged or another purpose's token gets a hang-up and nothing else. Its status callbacks then
    record a voicemail as DELIVERED and a busy line as FAILED."""
    kids = [add_student(engine, first_school_id(engine), first_name=name) for name in ("Ana", "Ben <Jr>")]
    for kid in kids:
        add_contact(engine, kid, custodial=True, mobile_phone=phone())
    voice = plugin(twilio_mock)
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"), request(
            "PRIMARY_CONTACTS", kids, channels=("VOICE",), call_text="School is closed, {{student.first_name}}."))
        fan_out(session, message.id)
        chunks = queued_delivery_chunks(session, message.id, 500)
    registry = ChannelRegistry({ChannelKind.VOICE: voice})
    envelopes = []
    original_send = voice.send
    voice.send = lambda batch: envelopes.extend(batch) or original_send(batch)  # see what dispatch handed over
    for chunk in chunks:
        dispatch_deliveries(engine, registry, chunk, current().delivery)
    assert len(envelopes) == 2 and all(e.caller_id for e in envelopes)
    app = FastAPI()
    settings = get_settings().model_copy(update={"public_base_url": PUBLIC, "speech_plugin": "twilio-say"})
    app.include_router(voice_router(settings, engine))
    app.include_router(webhook_router(settings, engine, registry))
    provider = TestClient(app)
    said = {}
    for envelope in envelopes:
        path = urlsplit(envelope.content_url).path
        answer = provider.post(path)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/xml")
        said[envelope.reference] = answer.text
    assert any("School is closed, Ana." in text for text in said.values())
    assert any("School is closed, Ben &lt;Jr&gt;." in text for text in said.values())
    forged = provider.get("/voice/1.AAAAAAAAAAAAAAAAAAAAAA/twiml")
    assert forged.status_code == 404 and "<Hangup/>" in forged.text
    callbacks = provider
    first, second = sorted(int(e.reference) for e in envelopes)
    for reference, params in ((first, {"CallStatus": "completed", "AnsweredBy": "machine_end_beep"}),
                              (second, {"CallStatus": "busy"})):
        path = f"/webhooks/twilio-voice?ref={reference}"
        params = {"CallSid": "CA" + "3" * 32, "AccountSid": ACCOUNT_SID, **params}
        assert callbacks.post(path, content=urlencode(params), headers=signed(PUBLIC + path, params)).json()[
            "statuses"] == 1
    with session_scope(engine) as session:
        rows = {d.id: (d.status, d.error_code, d.reason) for d in session.execute(
            select(Delivery).where(Delivery.id.in_([first, second]))).scalars()}
    assert rows[first] == ("DELIVERED", None, "voicemail") and rows[second][:2] == ("FAILED", "BUSY")


def test_voi_09_a_test_call_reaches_only_the_typed_number_and_writes_no_delivery(client, engine):
    """Covers VOI-09: the call content goes to the number the sender typed, through the configured
    voice plugin, and no delivery is written; a bad number is a field error."""
    token = token_for(engine, "admin")
    before = row_counts(engine)
    mutation = """mutation($phone: String!, $text: String!) { placeTestCall(phone: $phone, callText: $text) {
        __typename ... on TestCallPlaced { placed providerId } ... on PlaceTestCallErrors { errors { field code } } } }"""
    placed = gql(client, mutation, {"phone": "(312) 555-0123", "text": "Testing, {{recipient.name}}."},
                 token)["data"]["placeTestCall"]
    assert placed["placed"] is True and placed["providerId"].startswith("outbox-voice-test-call-")
    reference = placed["providerId"].removeprefix("outbox-voice-")
    line = next(json.loads(x) for x in (OUTBOX_DIR / "voice.jsonl").read_text().splitlines()
                if json.loads(x)["reference"] == reference)
    assert line["to"] == "+13125550123" and line["script"].startswith("Testing, ") and line["content_url"] is None
    bad = gql(client, mutation, {"phone": "call me", "text": "x"}, token)["data"]["placeTestCall"]
    assert bad["errors"] == [{"field": "input.phone", "code": "INVALID"}]
    with session_scope(engine) as session:
        assert not session.execute(select(Delivery.id).where(Delivery.address == "+13125550123")).first()
    assert row_counts(engine) == before
