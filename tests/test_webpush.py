"""The webpush plugin against a local Web Push receiver that verifies the VAPID JWT (RFC 8292) and
decrypts the aes128gcm payload (RFC 8291) with http_ece, as a browser's push service would."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from sqlalchemy import select

from channels.base import ChannelKind, PermanentFailure, PushEnvelope, PushTarget, Sent
from channels.registry import ChannelRegistry
from channels.webpush import WebPushChannel, WebPushConfig
from domain.dispatch import dispatch_deliveries
from domain.fan_out import fan_out, queued_delivery_chunks
from domain.messages import create_message
from factories import add_user, first_school_id
from helpers import gql
from homeroom.auth import mint_token
from homeroom.settings import get_settings
from models.db import session_scope
from models.directory import User
from models.messaging import Delivery, PushSubscription
from resolve import request, viewer_for


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """A subscriber: its ECDH key pair and auth secret, as PushManager.subscribe makes them."""

    def __init__(self, endpoint: str):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = endpoint

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def target(self) -> PushTarget:
        return PushTarget(self.endpoint, self.p256dh, b64url(self.auth))


class PushService:
    """Receives pushes at /push/<name>: verifies VAPID, decrypts with the browser's keys, answers
    201, or 410 for names starting with "gone"."""

    def __init__(self):
        self.browsers: dict[str, Browser] = {}
        self.received: list[dict] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                name = self.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if name.startswith("gone"):
                    self.send_response(410)
                    self.end_headers()
                    return
                try:
                    headers = {key.lower(): value for key, value in self.headers.items()}
                    service.received.append(service.verify_and_decrypt(name, headers, body))
                except Exception as error:  # noqa: BLE001
                    service.received.append({"error": repr(error)})
                    self.send_response(400)
                    self.end_headers()
                    return
                self.send_response(201)
                self.send_header("Location", f"{service.url}/messages/{len(service.received)}")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def browser(self, name: str) -> Browser:
        self.browsers[name] = Browser(f"{self.url}/push/{name}")
        return self.browsers[name]

    def verify_and_decrypt(self, name: str, headers: dict, body: bytes) -> dict:
        scheme, _, params = headers["authorization"].partition(" ")
        assert scheme == "vapid"
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
        claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience=self.url)
        assert claims["sub"].startswith("mailto:") and claims["exp"] > time.time()
        assert headers["content-encoding"] == "aes128gcm" and int(headers["ttl"]) > 0
        browser = self.browsers[name]
        plain = http_ece.decrypt(body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm")
        return {"name": name, "vapid_key": fields["k"], "payload": json.loads(plain)}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


def vapid_key() -> str:
    key = Vapid02()
    key.generate_keys()
    return b64url(key.private_key.private_numbers().private_value.to_bytes(32, "big"))


def plugin() -> WebPushChannel:
    return WebPushChannel(WebPushConfig(vapid_private_key=vapid_key(), vapid_subject="mailto:it@district.example.org"))


def envelope(reference: str, *targets: PushTarget) -> PushEnvelope:
    return PushEnvelope(reference=reference, message_id=1, to="user:7", recipient_name="Pat",
                        title="New message from Lincoln High", notification_id=reference, targets=targets)


def test_webpush_signs_with_vapid_encrypts_and_carries_only_a_notification_id(push_service):
    sender = plugin()
    laptop, phone = push_service.browser("laptop"), push_service.browser("phone")
    [outcome] = sender.send([envelope("41", laptop.target(), phone.target())])
    assert isinstance(outcome, Sent) and outcome.provider_id.startswith(push_service.url + "/messages/")
    assert {r["name"] for r in push_service.received} == {"laptop", "phone"}
    for received in push_service.received:
        assert received["payload"] == {"notification_id": "41", "title": "New message from Lincoln High"}
        assert received["vapid_key"] == sender.application_server_key


def test_gone_subscriptions_are_reported_and_a_device_less_recipient_fails(push_service):
    sender = plugin()
    alive, gone = push_service.browser("alive"), push_service.browser("gone-tablet")
    sent, only_gone, nothing = sender.send([envelope("1", alive.target(), gone.target()),
                                            envelope("2", gone.target()), envelope("3")])
    assert isinstance(sent, Sent) and sent.gone == (gone.endpoint,)
    assert isinstance(only_gone, PermanentFailure) and only_gone.code == "SUBSCRIPTION_GONE"
    assert only_gone.gone == (gone.endpoint,)
    assert isinstance(nothing, PermanentFailure) and nothing.code == "NO_SUBSCRIPTION"


def test_config_refuses_a_bad_key_without_echoing_it():
    """Start-up refuses a bad VAPID key with a message naming the field, never the key."""
    from channels.registry import PluginLoadError, build_plugin

    with pytest.raises(PluginLoadError) as refused:
        build_plugin(WebPushChannel, "webpush", {"vapid_private_key": "not-a-key-at-all",
                                                 "vapid_subject": "mailto:it@district.example.org"})
    assert "vapid_private_key" in str(refused.value) and "not-a-key-at-all" not in str(refused.value)
    assert plugin().config.redacted()["vapid_private_key"] == "**********"


REGISTER = """mutation($input: PushSubscriptionInput!) { registerPushSubscription(input: $input) {
  __typename ... on PushSubscriptionRegistered { id endpoint } ... on SendMessageErrors { errors { field code } } } }"""


def test_registered_devices_receive_a_real_message_and_gone_ones_are_removed(client, engine, push_service):
    """A staff member registers two devices through GraphQL; a message with push to them is
    dispatched through the webpush plugin: the live device receives it (decrypted, VAPID-signed),
    the push service's 410 removes the other subscription; bad keys are field errors."""
    colleague = add_user(engine, "TEACHER", school_ids=[first_school_id(engine)], profile="Teacher")
    with session_scope(engine) as session:
        login = session.get(User, colleague).login
    token = mint_token(get_settings(), user_id=colleague, login=login)
    desk, old = push_service.browser("desk"), push_service.browser("gone-old-phone")
    for browser in (desk, old):
        result = gql(client, REGISTER, {"input": {"endpoint": browser.endpoint, "p256dh": browser.p256dh,
                                                  "auth": b64url(browser.auth)}}, token)["data"]
        assert result["registerPushSubscription"]["__typename"] == "PushSubscriptionRegistered"
    bad = gql(client, REGISTER, {"input": {"endpoint": "ftp://nowhere", "p256dh": "abc", "auth": "abc"}}, token)
    assert {e["field"] for e in bad["data"]["registerPushSubscription"]["errors"]} == {
        "input.endpoint", "input.p256dh", "input.auth"}
    with session_scope(engine) as session:
        message = create_message(session, viewer_for(session, "admin"),
                                 request(channels=("PUSH",), staff_ids=(colleague,)))
        fan_out(session, message.id)
        [ids] = queued_delivery_chunks(session, message.id, 500)
    result = dispatch_deliveries(engine, ChannelRegistry({ChannelKind.PUSH: plugin()}), ids)
    assert result.sent == 1
    [received] = push_service.received
    assert received["name"] == "desk" and received["payload"]["notification_id"] == str(ids[0])
    with session_scope(engine) as session:
        endpoints = set(session.execute(select(PushSubscription.endpoint).where(
            PushSubscription.user_id == colleague)).scalars())
        status = session.get(Delivery, ids[0]).status
    assert endpoints == {desk.endpoint} and status == "SENT"
    removed = gql(client, "mutation($e: String!) { removePushSubscription(endpoint: $e) }",
                  {"e": desk.endpoint}, token)["data"]["removePushSubscription"]
    assert removed is True
