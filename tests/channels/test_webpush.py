"""The webpush plugin against a local Web Push receiver that verifies the VAPID JWT (RFC 8292) and
decrypts the aes128gcm payload (RFC 8291) with http_ece, as a browser's push service would."""

from __future__ import annotations

import pytest
from factories import add_user, first_school_id
from helpers import gid, gql
from peers.push_service import b64url, plugin
from resolve import request, viewer_for
from sqlalchemy import select

from channels.base import ChannelKind, PermanentFailure, PushEnvelope, PushTarget, Sent
from channels.registry import ChannelRegistry
from channels.webpush import WebPushChannel
from domain.delivery.dispatch import dispatch_deliveries
from domain.delivery.fan_out import fan_out, queued_delivery_chunks
from domain.messages.send import create_message
from homeroom.auth import mint_token
from homeroom.settings import get_settings
from jobs.runtime import current
from models.db import session_scope
from models.directory import User
from models.messaging import Delivery
from models.devices import PushSubscription


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
  __typename ... on PushSubscriptionRegistered { id endpoint } ... on RegisterPushSubscriptionErrors { errors { field code } } } }"""


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
    result = dispatch_deliveries(engine, ChannelRegistry({ChannelKind.PUSH: plugin()}), ids, current().delivery)
    assert result.sent == 1
    [received] = push_service.received
    assert received["name"] == "desk" and received["payload"]["notification_id"] == gid("Delivery", ids[0])
    with session_scope(engine) as session:
        endpoints = set(session.execute(select(PushSubscription.endpoint).where(
            PushSubscription.user_id == colleague)).scalars())
        status = session.get(Delivery, ids[0]).status
    assert endpoints == {desk.endpoint} and status == "SENT"
    removed = gql(client, "mutation($e: String!) { removePushSubscription(endpoint: $e) }",
                  {"e": desk.endpoint}, token)["data"]["removePushSubscription"]
    assert removed is True
